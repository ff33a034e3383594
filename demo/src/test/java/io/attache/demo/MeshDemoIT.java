package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code ./attache up} the way the launcher does — the demo jar as its own process, over the
 * packaged control plane and proxy jars — and checks the mesh from outside, never from what the
 * demo prints: the test itself serves both payments instances ({@code --external-apps}), so it sees
 * every request the proxies deliver to the callee (its headers, its caller's proved identity, each
 * retry), sends its own traffic with its own trace context, and reads the proxies' admin counters
 * itself, asserting they moved by exactly what the backends received.
 *
 * <p>Ports: a free base the test picks ({@code --port-base}), so it runs beside other demo runs.
 */
class MeshDemoIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String ORDERS_ID = "spiffe://attache.local/ns/default/sa/orders";
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final int OWN_REQUESTS = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request a payments instance received (other than {@code /health}), in arrival order. */
  record Received(
      long order,
      String instance,
      String path,
      String requestId,
      String traceparent,
      String caller,
      int status) {}

  private final AtomicLong arrivals = new AtomicLong();
  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger paymentsOneHealthChecks = new AtomicInteger();

  /** While set, the test's own round: payments-1 fails each request's first attempt. */
  private final AtomicBoolean ownRound = new AtomicBoolean();

  private final Set<String> failedOnceAtPaymentsOne = new HashSet<>();

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // six JVMs start on a shared 2-core machine
  void theCompanyPolicyRetriesEjectsAndSecuresTheMeshAsTheCalleeAndTheCountersSeeIt()
      throws Exception {
    int base = DemoRuns.freePortBase(20_000);
    int shift = base - MeshDemo.DEFAULT_PORT_BASE;
    Workload web = DemoTopology.workload("web").shifted(shift);
    Workload orders = DemoTopology.workload("orders").shifted(shift);
    Workload paymentsOne = DemoTopology.workload("payments-1").shifted(shift);
    Workload paymentsTwo = DemoTopology.workload("payments-2").shifted(shift);
    Path output = Files.createTempFile("attache-up", ".log");
    try (Backend one = new Backend(paymentsOne);
        Backend two = new Backend(paymentsTwo)) {
      Process demo = startDemo(base, output);
      try {
        await("the demo to send both rounds and keep running")
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  String report = Files.readString(output, StandardCharsets.UTF_8);
                  assertThat(demo.isAlive()).as("the demo is still running: %s", report).isTrue();
                  return report.contains("Running. Ctrl-C stops everything");
                });

        List<Received> demoTraffic = snapshot();
        withoutPolicyEachRequestReachedPaymentsOnceAndTheBrokenInstanceFailed(demoTraffic);
        withThePolicyEveryRequestEndedInA200WithinTwoRetries(demoTraffic);
        fiveConsecutiveFailuresEjectedTheBrokenInstance(demoTraffic, orders);
        ownTrafficIsRetriedAndCountedExactly(web, orders);
        aPlaintextCallToPaymentsIsRefusedBeforeItReachesTheApp(paymentsOne);
        assertThat(listenerHandshakes(paymentsOne) + listenerHandshakes(paymentsTwo))
            .as("payments' inbound listeners terminated TLS")
            .isPositive();
      } finally {
        DemoRuns.stop(demo);
        System.out.println(Files.readString(output, StandardCharsets.UTF_8));
      }
    }
  }

  private Process startDemo(int base, Path output) throws IOException {
    return new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                ROOT.resolve("demo/target/attache-demo.jar").toString(),
                "--root",
                ROOT.toString(),
                "--proxy-jar",
                ROOT.resolve("data-plane/target/attache-proxy.jar").toString(),
                "--control-plane-jar",
                ROOT.resolve("control-plane/target/attache-control-plane.jar").toString(),
                "--proxy-java-opts",
                "-XX:+UseSerialGC -Xmx96m -XX:TieredStopAtLevel=1",
                "--port-base",
                Integer.toString(base),
                "--external-apps",
                "payments-1,payments-2"))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  /**
   * Before the policy: plaintext (no proved caller), no retries — each request id arrives once —
   * and the broken instance's 503s went back unretried.
   */
  private static void withoutPolicyEachRequestReachedPaymentsOnceAndTheBrokenInstanceFailed(
      List<Received> traffic) {
    List<Received> plaintext = traffic.stream().filter(r -> r.caller().isEmpty()).toList();
    assertThat(plaintext).as("requests before the policy").isNotEmpty();
    assertThat(plaintext).allSatisfy(r -> assertThat(r.requestId()).isNotEmpty());
    Map<String, Long> attempts =
        plaintext.stream()
            .collect(Collectors.groupingBy(Received::requestId, Collectors.counting()));
    assertThat(attempts.values()).as("attempts per request without a policy").containsOnly(1L);
    assertThat(plaintext)
        .filteredOn(r -> r.instance().equals("payments-2"))
        .extracting(Received::status)
        .contains(503);
  }

  /**
   * Under the policy (mutual TLS: every request carries orders' proved identity), each request's
   * attempts at payments are 503s followed by one 200, at most three in all ({@code num_retries:
   * 2}), and all carry the same request id.
   */
  private static void withThePolicyEveryRequestEndedInA200WithinTwoRetries(List<Received> traffic) {
    List<Received> secured = traffic.stream().filter(r -> !r.caller().isEmpty()).toList();
    assertThat(secured).as("requests under the policy").isNotEmpty();
    assertThat(secured).extracting(Received::caller).containsOnly(ORDERS_ID);
    Map<String, List<Received>> byRequest = byRequestId(secured);
    assertThat(byRequest.values())
        .allSatisfy(
            attempts -> {
              assertThat(attempts).hasSizeBetween(1, 3);
              assertThat(attempts.get(attempts.size() - 1).status()).isEqualTo(200);
              assertThat(attempts.subList(0, attempts.size() - 1))
                  .allSatisfy(failed -> assertThat(failed.status()).isEqualTo(503));
            });
    assertThat(secured.size()).as("some requests were retried").isGreaterThan(byRequest.size());
  }

  /**
   * The broken instance answered five 503s in a row under the policy ({@code consecutive_failures:
   * 5}); from then on orders' proxy sent payments only to payments-1 (the next five requests, well
   * within the 30 s {@code sleep_window}), and its admin counter says it ejected a host.
   */
  private void fiveConsecutiveFailuresEjectedTheBrokenInstance(
      List<Received> traffic, Workload orders) throws IOException {
    List<Received> secured = traffic.stream().filter(r -> !r.caller().isEmpty()).toList();
    int run = 0;
    int trigger = -1;
    for (int i = 0; i < secured.size() && trigger < 0; i++) {
      Received r = secured.get(i);
      if (r.instance().equals("payments-2")) {
        run = r.status() == 503 ? run + 1 : 0;
        if (run == 5) {
          trigger = i;
        }
      }
    }
    assertThat(trigger).as("payments-2 answered five 503s in a row: %s", secured).isNotNegative();
    List<Received> afterwards = secured.subList(trigger + 1, secured.size());
    assertThat(afterwards).as("requests after the fifth consecutive failure").hasSizeGreaterThan(4);
    assertThat(afterwards.subList(0, 5)).extracting(Received::instance).containsOnly("payments-1");
    assertThat(
            adminStats(orders)
                .getOrDefault("cluster.payments.outlier_detection.ejections_enforced_total", 0L))
        .isPositive();
  }

  /**
   * The test's own requests, with its own trace context, while payments-1 fails each request's
   * first attempt: every one answers 200, the request id the client got is the one payments saw on
   * every attempt (so every hop propagated it), the trace id arrives intact, and orders' proxy's
   * counters for the payments cluster moved by exactly what the backends received.
   */
  private void ownTrafficIsRetriedAndCountedExactly(Workload web, Workload orders)
      throws IOException {
    Map<String, Long> before = adminStats(orders);
    long mark = arrivals.get();
    ownRound.set(true);
    Map<String, String> requestIdByPath = new LinkedHashMap<>();
    for (int i = 0; i < OWN_REQUESTS; i++) {
      String path = "/orders/own-" + i;
      String traceparent = "00-" + TRACE_ID + "-" + String.format("%016x", i + 1) + "-01";
      RawReply reply =
          RawReply.get(web.outboundPort(), path, Map.of("host", "web", "traceparent", traceparent));
      assertThat(reply.status()).as("%s: %s", path, reply).isEqualTo(200);
      assertThat(reply.header("x-request-id")).as(path).isNotEmpty();
      requestIdByPath.put(path, reply.header("x-request-id"));
    }
    ownRound.set(false);
    Map<String, Long> after = adminStats(orders);
    List<Received> window = snapshot().stream().filter(r -> r.order() > mark).toList();

    assertThat(window).extracting(Received::path).containsAll(requestIdByPath.keySet());
    assertThat(window)
        .allSatisfy(
            r -> {
              assertThat(r.requestId()).isEqualTo(requestIdByPath.get(r.path()));
              assertThat(r.traceparent().split("-")).hasSize(4);
              assertThat(r.traceparent().split("-")[1]).isEqualTo(TRACE_ID);
              assertThat(r.caller()).isEqualTo(ORDERS_ID);
            });
    long retried = window.size() - OWN_REQUESTS;
    assertThat(retried).as("payments-1 failed first attempts, so some were retried").isPositive();
    assertThat(delta(before, after, "cluster.payments.upstream_rq_retry")).isEqualTo(retried);
    assertThat(delta(before, after, "cluster.payments.upstream_rq_total")).isEqualTo(window.size());
    // As Envoy's router does, a response that is retried is charged under retry., and only the
    // final response under upstream_rq_<code>: every request here ended 200.
    assertThat(delta(before, after, "cluster.payments.retry.upstream_rq_503"))
        .isEqualTo(window.stream().filter(r -> r.status() == 503).count());
    assertThat(after.getOrDefault("cluster.payments.upstream_rq_503", 0L))
        .isEqualTo(before.getOrDefault("cluster.payments.upstream_rq_503", 0L));
    assertThat(delta(before, after, "cluster.payments.upstream_rq_200")).isEqualTo(OWN_REQUESTS);
  }

  /**
   * Under STRICT a plaintext request to payments-1's inbound listener gets no HTTP answer and never
   * reaches the app. Connecting first proves the listener is there, so the check cannot pass
   * because nothing listens.
   */
  private void aPlaintextCallToPaymentsIsRefusedBeforeItReachesTheApp(Workload payments)
      throws IOException {
    int healthChecksBefore = paymentsOneHealthChecks.get();
    String answer;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), payments.inboundPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /health HTTP/1.1\r\nhost: payments\r\nconnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      answer = new String(readAll(socket.getInputStream()), StandardCharsets.ISO_8859_1);
    }
    assertThat(answer).as("the inbound listener's answer to plaintext").doesNotStartWith("HTTP/");
    assertThat(paymentsOneHealthChecks.get()).isEqualTo(healthChecksBefore);
  }

  private List<Received> snapshot() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  private static Map<String, List<Received>> byRequestId(List<Received> traffic) {
    return traffic.stream()
        .collect(Collectors.groupingBy(Received::requestId, TreeMap::new, Collectors.toList()));
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
    assertThat(after).as("orders' proxy exports %s", name).containsKey(name);
    return after.get(name) - before.getOrDefault(name, 0L);
  }

  private static long listenerHandshakes(Workload workload) throws IOException {
    return adminStats(workload).entrySet().stream()
        .filter(e -> e.getKey().startsWith("listener.") && e.getKey().endsWith(".ssl.handshake"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** A proxy's counters and gauges from its admin {@code /stats}, read by the test itself. */
  private static Map<String, Long> adminStats(Workload workload) throws IOException {
    RawReply reply = RawReply.get(workload.adminPort(), "/stats", Map.of("host", "admin"));
    assertThat(reply.status()).isEqualTo(200);
    Map<String, Long> stats = new TreeMap<>();
    for (String line : reply.body().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0 && line.substring(colon + 2).trim().matches("-?\\d+")) {
        stats.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
      }
    }
    return stats;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException ended) {
      // what arrived before the peer went quiet or reset is the answer
    }
    return bytes.toByteArray();
  }

  /** One HTTP/1.1 exchange over a plain socket ({@code connection: close}), read whole. */
  record RawReply(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.getOrDefault(name, "");
    }

    static RawReply get(int port, String path, Map<String, String> headers) throws IOException {
      StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
      headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      request.append("connection: close\r\n\r\n");
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
        String text = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end)
            .as("a complete response head from :%d%s: %s", port, path, text)
            .isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> parsed = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          parsed.putIfAbsent(
              lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(parsed.get("transfer-encoding"))) {
          body = unchunk(body);
        }
        return new RawReply(Integer.parseInt(lines[0].split(" ")[1]), parsed, body);
      }
    }

    private static String unchunk(String chunked) {
      StringBuilder body = new StringBuilder();
      int at = 0;
      while (true) {
        int lineEnd = chunked.indexOf("\r\n", at);
        int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
        if (size == 0) {
          return body.toString();
        }
        body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
      }
    }
  }

  /**
   * A payments instance run by the test on the workload's app port: it answers as a demo app does
   * (JSON naming itself, the request id and its caller) and records what it received. payments-2
   * fails nine requests in ten as the demo's broken instance does; during the test's own round
   * payments-1 fails each request's first attempt and payments-2 succeeds.
   */
  private final class Backend implements AutoCloseable {
    private final Workload workload;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicLong served = new AtomicLong();

    Backend(Workload workload) throws IOException {
      this.workload = workload;
      this.server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), workload.appPort()), 64);
      this.executor = Executors.newFixedThreadPool(2);
      server.setExecutor(executor);
      server.createContext("/health", this::health);
      server.createContext("/", this::handle);
      server.start();
    }

    private void health(HttpExchange exchange) throws IOException {
      if (workload.name().equals("payments-1")) {
        paymentsOneHealthChecks.incrementAndGet();
      }
      respond(exchange, 200, JSON.createObjectNode().put("status", "ok"));
    }

    private void handle(HttpExchange exchange) throws IOException {
      String requestId = header(exchange, "x-request-id");
      String caller = callerOf(header(exchange, "x-forwarded-client-cert"));
      int status;
      synchronized (received) {
        long n = served.incrementAndGet();
        if (ownRound.get()) {
          status =
              workload.name().equals("payments-1") && failedOnceAtPaymentsOne.add(requestId)
                  ? 503
                  : 200;
        } else {
          status = workload.name().equals("payments-2") && n % 10 != 0 ? 503 : 200;
        }
        received.add(
            new Received(
                arrivals.incrementAndGet(),
                workload.name(),
                exchange.getRequestURI().getRawPath(),
                requestId,
                header(exchange, "traceparent"),
                caller,
                status));
      }
      ObjectNode body =
          JSON.createObjectNode()
              .put("service", workload.service())
              .put("instance", workload.name())
              .put("request_id", requestId)
              .put("caller", caller);
      respond(exchange, status, body);
    }

    private static String header(HttpExchange exchange, String name) {
      String value = exchange.getRequestHeaders().getFirst(name);
      return value == null ? "" : value;
    }

    /** The {@code URI} of the last element of {@code x-forwarded-client-cert}: this hop's peer. */
    private static String callerOf(String xfcc) {
      if (xfcc.isEmpty()) {
        return "";
      }
      String last = xfcc.substring(xfcc.lastIndexOf(',') + 1);
      for (String pair : last.split(";")) {
        if (pair.trim().toLowerCase(Locale.ROOT).startsWith("uri=")) {
          return pair.trim().substring(4);
        }
      }
      return "";
    }

    private void respond(HttpExchange exchange, int status, ObjectNode body) throws IOException {
      byte[] bytes = JSON.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
