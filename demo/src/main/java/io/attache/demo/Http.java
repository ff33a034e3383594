package io.attache.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The demo's one HTTP client (HTTP/1.1, loopback only). Apps address their proxy by {@code Host},
 * as an app in a mesh does, which the JDK client allows only when told so before its first use —
 * hence every request in the demo goes through here. Never retries: retrying is the proxies' job.
 */
public final class Http {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /** Sent on every request when not empty: the REST client's, never the traffic client's. */
  private final String bearerToken;

  public Http() {
    this("");
  }

  /** A client for the control plane's REST API, sending {@code Authorization: Bearer}. */
  public Http(String bearerToken) {
    this.bearerToken = bearerToken;
  }

  /** A response: status, headers as the client saw them, body as text. */
  public record Reply(int status, Map<String, java.util.List<String>> headers, String body) {
    public String header(String name) {
      return headers.getOrDefault(name, java.util.List.of("")).get(0);
    }
  }

  public Reply get(String url, Map<String, String> headers) throws IOException {
    return send(builder(url, headers).GET().build());
  }

  public Reply put(String url, String json) throws IOException {
    return send(
        builder(url, Map.of("content-type", "application/json"))
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /** A POST without a body (the REST API's "issue a token"). */
  public Reply post(String url) throws IOException {
    return send(builder(url, Map.of()).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  private HttpRequest.Builder builder(String url, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    headers.forEach(request::header);
    if (!bearerToken.isEmpty()) {
      request.header("Authorization", "Bearer " + bearerToken);
    }
    return request;
  }

  private Reply send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.headers().map(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
