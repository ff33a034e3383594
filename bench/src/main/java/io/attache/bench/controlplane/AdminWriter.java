package io.attache.bench.controlplane;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The REST writes the benchmark makes, over real HTTP to the control plane's admin API. Every
 * request has a timeout, and a refused write fails the run: a round whose write was refused would
 * never converge.
 */
final class AdminWriter {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  AdminWriter(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A service with {@code endpoints} endpoints (10.x.y.z:9001). */
  void putService(int index, int endpoints) {
    StringBuilder json = new StringBuilder("{\"endpoints\":[");
    for (int e = 0; e < endpoints; e++) {
      json.append(e == 0 ? "" : ",")
          .append("{\"address\":\"")
          .append(TranslationTiming.address(index, e))
          .append("\",\"port\":9001}");
    }
    put("/api/v1/services/svc-" + index, json.append("]}").toString());
  }

  /**
   * The round's write: mesh defaults with a retry policy that differs from every earlier round's,
   * which changes every node group's route configuration and nothing else.
   */
  void putDefaultsForRound(int round) {
    put(
        "/api/v1/defaults",
        "{\"retry\":{\"retry_on\":[\"reset\"],\"num_retries\":" + (round + 1) + "}}");
  }

  private void put(String path, String json) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException(
            "PUT " + path + " -> " + response.statusCode() + ": " + response.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("PUT " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during PUT " + path, e);
    }
  }
}
