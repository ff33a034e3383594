package io.attache.dataplane.xds;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A client sending one request after another through the proxy on its own thread until stopped,
 * recording every outcome: the status and {@code x-upstream} of each answer, and each failure (an
 * exception is a failed request too). Prints the whole record when an assertion fails.
 */
final class SteadyTraffic implements AutoCloseable {
  /** One request's outcome; {@code status} 0 when it failed without an answer. */
  record Outcome(int status, String upstream, String failure) {
    boolean ok() {
      return status == 200;
    }
  }

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final IntSupplier port;
  private final String path;
  private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  SteadyTraffic(IntSupplier port, String path) {
    this.port = port;
    this.path = path;
    this.thread = new Thread(this::run, "steady-traffic");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.getAsInt() + path))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        outcomes.add(
            new Outcome(
                response.statusCode(), response.headers().firstValue("x-upstream").orElse(""), ""));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        outcomes.add(new Outcome(0, "", e.toString()));
      }
      sent.incrementAndGet();
    }
  }

  /** Requests answered or failed so far. */
  long count() {
    return sent.get();
  }

  List<Outcome> failures() {
    return outcomes.stream().filter(o -> !o.ok()).toList();
  }

  /** The upstream that answered the latest request. */
  String lastUpstream() {
    return outcomes.isEmpty() ? "" : outcomes.get(outcomes.size() - 1).upstream();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(15_000);
  }

  @Override
  public String toString() {
    return "SteadyTraffic" + outcomes;
  }
}
