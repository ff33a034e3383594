package io.attache.bench.hostile;

import com.sun.net.httpserver.HttpServer;
import io.attache.bench.proxy.ProcStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Re-measures the data-plane rows of docs/security.md ("Hostile input") against the packaged proxy
 * in its own JVM, with the launcher's sidecar flags: 50,000 HTTP/2 HEADERS without {@code :method}
 * (default settings, and with {@code override_stream_error_on_invalid_http_message}) — connections
 * used, RSS before and after, live HTTP/2 streams and stream channels in the heap after, requests
 * that reached the upstream — and how long connections that never send a request live under {@code
 * idle_timeout}. Prints a Markdown summary. Loopback only; every process it starts is stopped
 * before it returns. A measuring tool, never a test: it asserts nothing and is never run by the
 * build.
 */
public final class HostileInputProbe {

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Path proxyJar;
  private final List<String> javaOptions;
  private final int headersToSend;
  private final int idleTimeoutSeconds;

  private HostileInputProbe(
      Path proxyJar, List<String> javaOptions, int headersToSend, int idleTimeoutSeconds) {
    this.proxyJar = proxyJar;
    this.javaOptions = javaOptions;
    this.headersToSend = headersToSend;
    this.idleTimeoutSeconds = idleTimeoutSeconds;
  }

  /**
   * {@code --proxy-jar PATH} (required), {@code --headers N} (50000), {@code --idle-timeout-s S}
   * (20); the proxy's JVM options come from {@code -Dattache.proxyJavaOpts}, as for the proxy
   * benchmark.
   */
  public static void main(String[] args) throws Exception {
    Path jar = null;
    int headers = 50_000;
    int idle = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--proxy-jar" -> jar = Path.of(args[++i]);
        case "--headers" -> headers = Integer.parseInt(args[++i]);
        case "--idle-timeout-s" -> idle = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (jar == null) {
      throw new IllegalArgumentException("--proxy-jar is required");
    }
    String options = System.getProperty("attache.proxyJavaOpts", "").trim();
    List<String> javaOptions = options.isEmpty() ? List.of() : Arrays.asList(options.split("\\s+"));
    new HostileInputProbe(jar, javaOptions, headers, idle).run();
  }

  private void run() throws Exception {
    AtomicLong upstreamRequests = new AtomicLong();
    HttpServer upstream =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    upstream.createContext(
        "/",
        exchange -> {
          upstreamRequests.incrementAndGet();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    upstream.start();
    try {
      System.out.printf(
          "Hostile input probe: proxy %s, JVM options [%s], load average %s%n",
          proxyJar, String.join(" ", javaOptions), loadAverage());
      headersWithoutMethod(upstream, upstreamRequests, false);
      headersWithoutMethod(upstream, upstreamRequests, true);
      idleConnections(upstream);
    } finally {
      upstream.stop(0);
    }
  }

  /**
   * N HEADERS without {@code :method}, END_STREAM, 500 per write, reconnecting when closed.
   * "Written" counts what the kernel accepted: writes succeed until the proxy's reset arrives.
   */
  private void headersWithoutMethod(
      HttpServer upstream, AtomicLong upstreamRequests, boolean streamErrors) throws Exception {
    String http2 =
        streamErrors
            ? "http2_protocol_options: { override_stream_error_on_invalid_http_message: true }"
            : "";
    try (Proxy proxy = Proxy.start(this, "codec_type: HTTP2\n" + http2, upstream)) {
      long beforeWarmUp = upstreamRequests.get();
      warmUp(proxy, upstreamRequests);
      long warmedUp = upstreamRequests.get() - beforeWarmUp;
      long rssBefore = ProcStats.rssBytes(proxy.process.toHandle());
      long upstreamBefore = upstreamRequests.get();
      int written = 0;
      int connections = 0;
      long started = System.nanoTime();
      while (written < headersToSend && connections < headersToSend) {
        connections++;
        written += oneConnection(proxy.port, headersToSend - written, false, () -> true);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (proxy.stat("http.ingress.downstream_cx_active") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Map<String, Long> histogram = proxy.classHistogram();
      long rssAfter = ProcStats.rssBytes(proxy.process.toHandle());
      System.out.printf(
          "%n### %,d HEADERS without :method%s%n"
              + "- warm-up: %d of 200 good requests on one connection reached the upstream%n"
              + "- written: %d HEADERS over %d connections in %.1f s%n"
              + "- RSS: %.1f MB before (after warm-up), %.1f MB after (after a full GC)%n"
              + "- after: downstream_cx_active %d, downstream_rq_active %d,"
              + " HTTP/2 stream channels in the heap %d, DefaultStream %d%n"
              + "- http2.rx_messaging_error %d, downstream_rq_too_many_premature_resets %d,"
              + " downstream_cx_protocol_error %d%n"
              + "- requests that reached the upstream: %d%n",
          headersToSend,
          streamErrors ? " (override_stream_error_on_invalid_http_message: true)" : "",
          warmedUp,
          written,
          connections,
          seconds,
          rssBefore / 1e6,
          rssAfter / 1e6,
          proxy.stat("http.ingress.downstream_cx_active"),
          proxy.stat("http.ingress.downstream_rq_active"),
          histogram.entrySet().stream()
              .filter(e -> e.getKey().contains("Http2MultiplexHandlerStreamChannel"))
              .mapToLong(Map.Entry::getValue)
              .sum(),
          histogram.getOrDefault(
              "io.netty.handler.codec.http2.DefaultHttp2Connection$DefaultStream", 0L),
          proxy.stat("http2.rx_messaging_error"),
          proxy.stat("http.ingress.downstream_rq_too_many_premature_resets"),
          proxy.stat("http.ingress.downstream_cx_protocol_error"),
          upstreamRequests.get() - upstreamBefore);
    }
  }

  /** Writes up to {@code limit} bad HEADERS on one connection; returns how many were written. */
  private static int oneConnection(
      int port, int limit, boolean withMethod, BooleanSupplier answeredBeforeClose)
      throws IOException, Http2Exception {
    DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    int written = 0;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      Thread drain = new Thread(() -> drain(socket), "probe-drain");
      drain.setDaemon(true);
      drain.start();
      OutputStream out = socket.getOutputStream();
      try {
        out.write(PREFACE);
        out.write(frame(0x4, 0, 0, new byte[0])); // SETTINGS, none changed
        while (written < limit) {
          ByteBuf batch = Unpooled.buffer();
          int inBatch = Math.min(500, limit - written);
          for (int i = 0; i < inBatch; i++) {
            int streamId = 2 * (written + i) + 1;
            Http2Headers headers =
                new DefaultHttp2Headers().scheme("http").path("/x").authority("probe");
            if (withMethod) {
              headers.method("GET");
            }
            ByteBuf block = Unpooled.buffer();
            hpack.encodeHeaders(streamId, headers, block);
            byte[] payload = new byte[block.readableBytes()];
            block.readBytes(payload);
            block.release();
            batch.writeBytes(frame(0x1, 0x5, streamId, payload)); // END_STREAM | END_HEADERS
          }
          byte[] bytes = new byte[batch.readableBytes()];
          batch.readBytes(bytes);
          batch.release();
          out.write(bytes);
          out.flush();
          written += inBatch;
        }
      } catch (IOException closedByProxy) {
        // the proxy ended the connection: what was written before counts
      }
      // Half-closing at once would end streams the proxy has not started yet; wait (bounded)
      // until the caller sees them answered.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!answeredBeforeClose.getAsBoolean() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      socket.shutdownOutput();
      drain.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException alreadyClosed) {
      // shutdownOutput on a socket the proxy reset
    }
    return written;
  }

  private static void drain(Socket socket) {
    byte[] buffer = new byte[16_384];
    try {
      socket.setSoTimeout(10_000);
      InputStream in = socket.getInputStream();
      while (in.read(buffer) >= 0) {
        // frames from the proxy are not inspected; reading keeps its writes from blocking
      }
    } catch (IOException ended) {
      // closed or reset
    }
  }

  private static byte[] frame(int type, int flags, int streamId, byte[] payload) {
    byte[] frame = new byte[9 + payload.length];
    frame[0] = (byte) (payload.length >>> 16);
    frame[1] = (byte) (payload.length >>> 8);
    frame[2] = (byte) payload.length;
    frame[3] = (byte) type;
    frame[4] = (byte) flags;
    frame[5] = (byte) (streamId >>> 24);
    frame[6] = (byte) (streamId >>> 16);
    frame[7] = (byte) (streamId >>> 8);
    frame[8] = (byte) streamId;
    System.arraycopy(payload, 0, frame, 9, payload.length);
    return frame;
  }

  /**
   * Three connections that never complete a request — nothing, half an HTTP/2 preface, half a
   * request line — and how long the proxy keeps each open under {@code idle_timeout}.
   */
  private void idleConnections(HttpServer upstream) throws Exception {
    String hcm = "common_http_protocol_options: { idle_timeout: " + idleTimeoutSeconds + "s }";
    try (Proxy proxy = Proxy.start(this, hcm, upstream)) {
      String[] sends = {"", "PRI * HTTP/2.0\r\n", "GET /a HT"};
      String[] names = {"nothing", "half an HTTP/2 preface", "half a request line"};
      List<Thread> watchers = new ArrayList<>();
      double[] lived = new double[sends.length];
      for (int i = 0; i < sends.length; i++) {
        int n = i;
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port);
        long opened = System.nanoTime();
        socket.getOutputStream().write(sends[n].getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        Thread watcher =
            new Thread(
                () -> {
                  try (socket) {
                    socket.setSoTimeout(idleTimeoutSeconds * 4_000);
                    while (socket.getInputStream().read() >= 0) {
                      // anything the proxy says before it closes
                    }
                    lived[n] = (System.nanoTime() - opened) / 1e9;
                  } catch (IOException stillOpenOrReset) {
                    lived[n] =
                        stillOpenOrReset instanceof java.net.SocketTimeoutException
                            ? -1
                            : (System.nanoTime() - opened) / 1e9;
                  }
                },
                "probe-idle-" + n);
        watcher.start();
        watchers.add(watcher);
      }
      for (Thread watcher : watchers) {
        watcher.join(idleTimeoutSeconds * 5_000L);
      }
      System.out.printf(
          "%n### Connections that never send a request, idle_timeout %d s%n", idleTimeoutSeconds);
      for (int i = 0; i < sends.length; i++) {
        System.out.printf(
            "- %s: %s%n",
            names[i],
            lived[i] < 0
                ? "still open after " + idleTimeoutSeconds * 4 + " s"
                : String.format("closed after %.1f s", lived[i]));
      }
    }
  }

  /**
   * 200 good requests on one connection, so RSS before the attack includes what serving requests
   * loads; then a full GC, as after the attack.
   */
  private static void warmUp(Proxy proxy, AtomicLong upstreamRequests) throws Exception {
    long target = upstreamRequests.get() + 200;
    oneConnection(proxy.port, 200, true, () -> upstreamRequests.get() >= target);
    proxy.classHistogram();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The packaged proxy in its own JVM, on a static bootstrap written for one scenario. */
  private static final class Proxy implements AutoCloseable {
    final Process process;
    final int port;
    final int adminPort;
    final Path dir;

    private Proxy(Process process, int port, int adminPort, Path dir) {
      this.process = process;
      this.port = port;
      this.adminPort = adminPort;
      this.dir = dir;
    }

    static Proxy start(HostileInputProbe probe, String hcmExtra, HttpServer upstream)
        throws Exception {
      int port = freePort();
      int adminPort = freePort();
      Path dir = Files.createTempDirectory("attache-hostile-");
      StringBuilder extra = new StringBuilder();
      for (String line : hcmExtra.split("\n")) {
        if (!line.isBlank()) {
          extra.append("          ").append(line).append('\n');
        }
      }
      String bootstrap =
          """
          admin:
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
          static_resources:
            listeners:
            - name: ingress
              address: { socket_address: { address: 127.0.0.1, port_value: %d } }
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: ingress
          %s          route_config:
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
                        routes:
                        - match: { prefix: "/" }
                          route: { cluster: backend }
                    http_filters:
                    - name: envoy.filters.http.router
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            clusters:
            - name: backend
              type: STATIC
              connect_timeout: 1s
              load_assignment:
                cluster_name: backend
                endpoints:
                - lb_endpoints:
                  - endpoint:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
          """
              .formatted(adminPort, port, extra, upstream.getAddress().getPort());
      Path file = Files.writeString(dir.resolve("bootstrap.yaml"), bootstrap);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(probe.javaOptions);
      command.addAll(List.of("-jar", probe.proxyJar.toString(), "-c", file.toString()));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("proxy.log").toFile())
              .start();
      Proxy proxy = new Proxy(process, port, adminPort, dir);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!proxy.ready()) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          proxy.close();
          throw new IllegalStateException(
              "the proxy did not become ready; see " + dir.resolve("proxy.log"));
        }
        Thread.sleep(200);
      }
      return proxy;
    }

    private boolean ready() {
      try {
        return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200;
      } catch (IOException notYet) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    long stat(String name) throws Exception {
      String body =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/stats"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : body.split("\n")) {
        if (line.startsWith(name + ": ")) {
          return Long.parseLong(line.substring(name.length() + 2).trim());
        }
      }
      return 0;
    }

    /** {@code jcmd GC.class_histogram} (a full GC first): instances per class name. */
    Map<String, Long> classHistogram() throws Exception {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      Process histogram =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.class_histogram")
              .redirectErrorStream(true)
              .start();
      String text = new String(histogram.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      histogram.waitFor(60, TimeUnit.SECONDS);
      Map<String, Long> instances = new TreeMap<>();
      for (String line : text.split("\n")) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length >= 4 && fields[0].endsWith(":")) {
          instances.merge(fields[3], Long.parseLong(fields[1]), Long::sum);
        }
      }
      return instances;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
