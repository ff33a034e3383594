package io.attache.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A demo app: a real HTTP/1.1 server on loopback that answers JSON naming itself and the {@code
 * x-request-id} it received. A calling app forwards the request to the next service through its own
 * proxy's outbound listener and propagates {@code x-request-id} and {@code traceparent}, as apps in
 * a mesh must. It reports who called it as its proxy proved it: the {@code URI} of the last {@code
 * x-forwarded-client-cert} element, which under mesh mTLS is the caller's SPIFFE ID (empty without
 * mTLS). It never retries and knows no policy: that is what the proxies are for.
 */
public final class DemoService implements AutoCloseable {

  /** Headers an app copies from the request it serves to the calls it makes. */
  static final String[] PROPAGATED = {"x-request-id", "traceparent", "tracestate"};

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Workload workload;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Http http = new Http();
  private final AtomicLong requests = new AtomicLong();
  private final String nextBaseUrl;

  /** An app that calls the next service through its proxy's outbound listener on loopback. */
  public DemoService(Workload workload) throws IOException {
    this(workload, null);
  }

  /**
   * An app that calls the next service at {@code nextBaseUrl} ({@code http://10.233.1.8:8080}), its
   * plain address, as an app under transparent interception does; null: through its proxy's
   * outbound listener on loopback, with {@code Host: <service>}.
   */
  public DemoService(Workload workload, String nextBaseUrl) throws IOException {
    this.workload = workload;
    this.nextBaseUrl = nextBaseUrl;
    this.server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), workload.appPort()), 64);
    this.executor = Executors.newFixedThreadPool(4, r -> daemon(r, workload.name()));
    server.setExecutor(executor);
    server.createContext("/health", exchange -> respond(exchange, 200, status("ok")));
    server.createContext("/", this::handle);
  }

  /**
   * {@code DemoService <workload> <port shift> [<next service's base URL>]}: one app as its own
   * process, for {@code ./attache up --transparent}, which runs it in a network namespace. Runs
   * until it is stopped.
   */
  public static void main(String[] args) throws Exception {
    Workload workload = DemoTopology.workload(args[0]).shifted(Integer.parseInt(args[1]));
    DemoService app = new DemoService(workload, args.length > 2 ? args[2] : null);
    app.start();
    System.out.println(workload.name() + " listening on 127.0.0.1:" + workload.appPort());
    new java.util.concurrent.CountDownLatch(1).await();
  }

  public void start() {
    server.start();
  }

  /** How many requests (other than /health) this app has answered. */
  public long requests() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      long n = requests.incrementAndGet();
      ObjectNode body = status(null);
      body.put("request_id", nullToEmpty(exchange.getRequestHeaders().getFirst("x-request-id")));
      body.put(
          "caller",
          callerUri(nullToEmpty(exchange.getRequestHeaders().getFirst("x-forwarded-client-cert"))));
      body.put(
          "token_caller", nullToEmpty(exchange.getRequestHeaders().getFirst("x-attache-caller")));
      switch (workload.behaviour()) {
        case HEALTHY -> respond(exchange, 200, body);
        case FLAKY -> {
          boolean fails = n % 10 != 0;
          body.put("status", fails ? "failing on purpose" : "ok");
          respond(exchange, fails ? 503 : 200, body);
        }
        case CALLS_NEXT -> callNext(exchange, body);
      }
    } finally {
      exchange.close();
    }
  }

  private void callNext(HttpExchange exchange, ObjectNode body) throws IOException {
    String next = DemoTopology.NEXT_HOP.get(workload.service());
    Map<String, String> headers = new LinkedHashMap<>();
    if (nextBaseUrl == null) {
      headers.put("host", next);
    }
    for (String name : PROPAGATED) {
      String value = exchange.getRequestHeaders().getFirst(name);
      if (value != null) {
        headers.put(name, value);
      }
    }
    String url =
        (nextBaseUrl == null ? "http://127.0.0.1:" + workload.outboundPort() : nextBaseUrl)
            + exchange.getRequestURI().getRawPath();
    try {
      Http.Reply reply = http.get(url, headers);
      body.put("next_status", reply.status());
      if (reply.status() == 200) {
        body.set(next, JSON.readTree(reply.body()));
        respond(exchange, 200, body);
      } else {
        body.put("error", next + " answered " + reply.status());
        respond(exchange, 502, body);
      }
    } catch (IOException e) {
      body.put("error", "calling " + next + ": " + e.getMessage());
      respond(exchange, 502, body);
    }
  }

  private ObjectNode status(String status) {
    ObjectNode node = JSON.createObjectNode();
    node.put("service", workload.service());
    node.put("instance", workload.name());
    if (status != null) {
      node.put("status", status);
    }
    return node;
  }

  private static void respond(HttpExchange exchange, int status, ObjectNode body)
      throws IOException {
    byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * The {@code URI} of the last (this hop's) element of an {@code x-forwarded-client-cert} value;
   * empty when there is none. Quoted values ({@code Cert="..."}) never hold {@code ,} or {@code ;}
   * unescaped, as Envoy URL-encodes them, so splitting is enough.
   */
  static String callerUri(String xfcc) {
    if (xfcc.isEmpty()) {
      return "";
    }
    String[] elements = xfcc.split(",");
    for (String pair : elements[elements.length - 1].split(";")) {
      String trimmed = pair.trim();
      if (trimmed.regionMatches(true, 0, "URI=", 0, 4)) {
        return trimmed.substring(4);
      }
    }
    return "";
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, "app-" + name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
