package io.attache.testing.envoy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An Envoy a test started: its admin endpoint and its output. Closing it stops it (SIGTERM, then
 * SIGKILL after a bounded wait); the test that started it always closes it.
 */
public interface RunningEnvoy extends AutoCloseable {

  /** The admin endpoint's address, on a port the kernel picked. */
  InetSocketAddress adminAddress();

  default int adminPort() {
    return adminAddress().getPort();
  }

  /** Everything it printed so far. */
  String output();

  boolean isAlive();

  @Override
  void close();

  /** GET on the admin endpoint: the body, whatever the status. */
  default String admin(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminAddress().getPort() + pathAndQuery))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  /**
   * A counter or gauge by its exact name from {@code /stats}; 0 when Envoy has none by that name.
   */
  default long stat(String name) throws IOException, InterruptedException {
    String filter = "^" + name.replace(".", "\\.") + "$";
    String body =
        admin("/stats?filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8)).strip();
    for (String line : body.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0 && line.substring(0, colon).equals(name)) {
        return Long.parseLong(line.substring(colon + 2).strip());
      }
    }
    return 0;
  }

  /**
   * The last {@code lines} lines of the output, for a failure message (a whole info log is too long
   * to read).
   */
  default String outputTail(int lines) {
    String[] all = output().split("\n", -1);
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
  }
}
