package io.attache.controlplane.differential;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Sends one edge scenario's requests to the edge listener as raw HTTP/1.1 bytes, one connection
 * each, and pairs each response with the upstream attempts it caused. Every request carries {@code
 * user-agent: diff/<scenario>/<n>}, the tag by which the harness finds its access-log line. Numbers
 * the scenario's observations; must never retry or reorder what a scenario sends.
 */
final class EdgeClient {

  /** A response, the attempts behind it and when they arrived (nanoTime), for bounds on time. */
  record Exchange(
      ClientResponse response, List<UpstreamAttempt> attempts, List<Long> arrivals, long sentAt) {}

  private final String scenario;
  private final int port;
  private final UpstreamLog log;
  private final ExecutorService background;
  private final List<String> tagsSent;
  private int index;
  private int requests;

  EdgeClient(
      String scenario, int port, UpstreamLog log, ExecutorService background, List<String> tags) {
    this.scenario = scenario;
    this.port = port;
    this.log = log;
    this.background = background;
    this.tagsSent = tags;
  }

  UpstreamLog log() {
    return log;
  }

  /** The tag for the next request; raw requests built by a scenario must carry it. */
  String nextTag() {
    String tag = "diff/" + scenario + "/" + requests++;
    tagsSent.add(tag);
    return tag;
  }

  /** A well-formed request as bytes: the request line, Host, the tag, extra headers. */
  byte[] bytes(ClientRequest request) {
    StringBuilder head =
        new StringBuilder(
            request.method()
                + " "
                + request.path()
                + " HTTP/1.1\r\nHost: "
                + request.host()
                + "\r\nuser-agent: "
                + nextTag()
                + "\r\n");
    for (int i = 0; i < request.headers().size(); i += 2) {
      head.append(request.headers().get(i))
          .append(": ")
          .append(request.headers().get(i + 1))
          .append("\r\n");
    }
    head.append("content-length: 0\r\nconnection: close\r\n\r\n");
    return RawExchange.ascii(head.toString());
  }

  Exchange exchange(ClientRequest request) {
    return exchange(bytes(request), request.method().equals("HEAD"));
  }

  Exchange exchange(byte[] raw, boolean headRequest) {
    int mark = log.mark();
    long sentAt = System.nanoTime();
    ClientResponse response = RawExchange.send(port, raw, headRequest);
    return new Exchange(response, log.since(mark), log.arrivalsSince(mark), sentAt);
  }

  /**
   * A well-formed HTTP/2 request's header block as name/value pairs in the order sent: the four
   * pseudo-headers ({@code :authority} from the request's host), the tag, extra headers.
   */
  List<String> h2Headers(ClientRequest request) {
    List<String> block = new ArrayList<>();
    block.addAll(
        List.of(
            ":method",
            request.method(),
            ":scheme",
            "http",
            ":authority",
            request.host(),
            ":path",
            request.path(),
            "user-agent",
            nextTag()));
    block.addAll(request.headers());
    return block;
  }

  /** An HTTP/2 header block (see {@link RawH2Exchange}), the exchange it caused. */
  Exchange exchangeH2(List<String> headerBlock) {
    int mark = log.mark();
    long sentAt = System.nanoTime();
    ClientResponse response = RawH2Exchange.send(port, headerBlock);
    return new Exchange(response, log.since(mark), log.arrivalsSince(mark), sentAt);
  }

  /** One request over HTTP/2 with prior knowledge, observed in full. */
  Observation sendH2(ClientRequest request) {
    return observe("h2 " + request.label(), exchangeH2(h2Headers(request)));
  }

  /**
   * A header block sent as given over HTTP/2, observed in full; {@code label} names it. When no
   * response came, what ended stream 1 ({@code RST_STREAM}, {@code GOAWAY} with its error code, or
   * the connection closing without either) is the fact {@code stream 1 ended by}.
   */
  Observation sendH2Raw(String label, List<String> headerBlock) {
    Exchange exchange = exchangeH2(headerBlock);
    ClientResponse response = exchange.response();
    if (response.status() != RawExchange.NO_RESPONSE) {
      return observe("h2 " + label, exchange);
    }
    return observation(
            "h2 " + label,
            new ClientResponse(response.status(), response.headers(), ""),
            exchange.attempts())
        .fact("stream 1 ended by", response.body())
        .build();
  }

  /** Sends in the background; the caller reads the upstream log itself (attempts interleave). */
  CompletableFuture<ClientResponse> sendInBackground(ClientRequest request) {
    byte[] raw = bytes(request);
    return CompletableFuture.supplyAsync(() -> RawExchange.send(port, raw, false), background);
  }

  /** One request, observed in full. */
  Observation send(ClientRequest request) {
    return observe(request.label(), exchange(request));
  }

  /** Raw bytes, observed in full; {@code label} names them in reports. */
  Observation sendRaw(String label, byte[] raw) {
    return observe(label, exchange(raw, false));
  }

  Observation observe(String label, Exchange exchange) {
    return observation(label, exchange.response(), exchange.attempts()).build();
  }

  Observation.Builder observation(
      String label, ClientResponse response, List<UpstreamAttempt> attempts) {
    Observation.Builder observation =
        next(label).status(response.status()).body(response.body()).attempts(attempts);
    response.headers().forEach(observation::header);
    return observation;
  }

  /** An observation numbered next in this scenario, filled in by the caller. */
  Observation.Builder next(String label) {
    return Observation.of(scenario, index++, label);
  }

  /** Milliseconds between consecutive arrivals, for time bounds. */
  static List<Long> gapsMillis(List<Long> arrivals) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < arrivals.size(); i++) {
      gaps.add((arrivals.get(i) - arrivals.get(i - 1)) / 1_000_000);
    }
    return gaps;
  }
}
