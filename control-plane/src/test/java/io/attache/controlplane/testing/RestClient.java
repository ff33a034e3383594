package io.attache.controlplane.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON-over-HTTP client for the admin API tests (real sockets, no mocks). */
public final class RestClient {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpClient http;
  private final String base;
  private final String authorization;

  public RestClient(int port) {
    this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http", port, "");
  }

  private RestClient(HttpClient http, String scheme, int port, String authorization) {
    this.http = http;
    this.base = scheme + "://127.0.0.1:" + port;
    this.authorization = authorization;
  }

  /** A client over HTTPS that trusts what {@code tls} trusts. */
  public static RestClient https(int port, javax.net.ssl.SSLContext tls) {
    return new RestClient(
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build(),
        "https",
        port,
        "");
  }

  /** The same client, sending {@code Authorization: Bearer <token>} on every request. */
  public RestClient withToken(String token) {
    return new RestClient(http, base.substring(0, base.indexOf(':')), port(), "Bearer " + token);
  }

  /** The same client, sending this exact Authorization header value. */
  public RestClient withAuthorization(String value) {
    return new RestClient(http, base.substring(0, base.indexOf(':')), port(), value);
  }

  private int port() {
    return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public HttpResponse<String> put(String path, String json, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .PUT(HttpRequest.BodyPublishers.ofString(json));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      request.header("Content-Type", "application/json");
    }
    return send(request);
  }

  public HttpResponse<String> delete(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).DELETE();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request);
  }

  public HttpResponse<String> post(String path) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** POST with a body of the given media type. */
  public HttpResponse<String> post(String path, String body, String contentType) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** PATCH as a JSON merge patch, with optional extra headers (name, value, ...). */
  public HttpResponse<String> patch(String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method("PATCH", HttpRequest.BodyPublishers.ofString(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      request.header("Content-Type", "application/merge-patch+json");
    }
    return send(request);
  }

  public static JsonNode json(HttpResponse<String> response) {
    try {
      return MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + response.body(), e);
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
