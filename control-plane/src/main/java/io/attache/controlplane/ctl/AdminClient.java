package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The CLI's only way to the control plane: its REST admin API, with the bearer token and the CA the
 * user gave. Knows nothing of policy; turns transport failures and error responses into a {@link
 * Refused} that names the field the server named.
 */
final class AdminClient {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String server;
  private final String token;

  AdminClient(String server, String token, Path caCertificate) {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (caCertificate != null) {
      builder.sslContext(trusting(caCertificate));
    }
    this.http = builder.build();
    this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.token = token;
  }

  /** A request the server refused, or one that never reached it. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** An answer: status, body, and the ETag when there is one. */
  record Answer(int status, String body, String etag) {
    JsonNode json() throws Refused {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new Refused("the server answered " + status + " with something that is not JSON");
      }
    }
  }

  Answer get(String path, String accept) throws Refused {
    return send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).GET());
  }

  Answer post(String path, String body, String contentType) throws Refused {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private URI uri(String path) {
    return URI.create(server + path);
  }

  private Answer send(HttpRequest.Builder request) throws Refused {
    if (token != null && !token.isEmpty()) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new Refused(
          "cannot reach the control plane at "
              + server
              + " (is it running? set --server or ATTACHE_SERVER)");
    } catch (IOException e) {
      throw new Refused("talking to " + server + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("interrupted");
    }
    Answer answer =
        new Answer(
            response.statusCode(),
            response.body(),
            response.headers().firstValue("ETag").orElse("").replace("\"", ""));
    if (answer.status() >= 400) {
      throw new Refused(describeError(answer));
    }
    return answer;
  }

  /** "documents[0].spec.port (line 9): must be between 1 and 65535", or the status alone. */
  static String describeError(Answer answer) {
    try {
      JsonNode error = JSON.readTree(answer.body());
      String field = error.path("field").asText("");
      StringBuilder out = new StringBuilder();
      out.append(error.path("error").asText("HTTP " + answer.status()));
      if (!field.isEmpty()) {
        out.append(": ").append(field);
        if (error.path("line").asInt() > 0) {
          out.append(" (line ").append(error.path("line").asInt()).append(')');
        }
      }
      out.append(": ").append(error.path("message").asText(""));
      JsonNode others = error.path("errors");
      for (int i = 1; i < others.size(); i++) {
        out.append("\n  also ")
            .append(others.get(i).path("field").asText())
            .append(": ")
            .append(others.get(i).path("message").asText());
      }
      return out.toString();
    } catch (IOException e) {
      return "HTTP " + answer.status() + ": " + answer.body();
    }
  }

  private static SSLContext trusting(Path caCertificate) {
    try (InputStream in = Files.newInputStream(caCertificate)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the CA certificate " + caCertificate + ": " + e.getMessage(), e);
    }
  }
}
