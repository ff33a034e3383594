package io.attache.controlplane.differential;

import static io.attache.controlplane.differential.EnvoyBehaviour.forwarded;
import static io.attache.controlplane.differential.EnvoyBehaviour.forwardedWithId;
import static io.attache.controlplane.differential.EnvoyBehaviour.localReply;
import static io.attache.controlplane.differential.EnvoyBehaviour.proxied;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The differential scenarios, each with its policy, its fixed request sequence and Envoy's
 * behaviour for it. Service names are unique per scenario so all of them share one control plane
 * and one data plane per run. Must never depend on which data plane runs them.
 */
final class Scenarios {

  private Scenarios() {}

  /** Fresh instances: a scenario holds the upstreams of one run. */
  static List<Scenario> all() {
    return List.of(
        new Routing(),
        new RetryOn503(),
        new Idempotency(),
        new RetriableStatusCodes(),
        new OutlierEjection(),
        new HeaderMutations(),
        new RequestIds(),
        new WeightedSplit(),
        new FaultAbort(),
        new NoEndpoints());
  }

  /** A scenario whose observations are its requests, one each, in order. */
  private abstract static class Sequence implements Scenario {
    private final String name;
    final List<ClientRequest> requests;

    Sequence(String name, ClientRequest... requests) {
      this.name = name;
      this.requests = List.of(requests);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ClientRequest readiness() {
      return ClientRequest.of("GET", requests.get(0).host(), "/");
    }

    /** Scripts the upstreams before the first request. */
    void prepare() {}

    @Override
    public List<Observation> run(ScenarioClient client) {
      prepare();
      return requests.stream().map(client::send).toList();
    }

    Observation.Builder expect(int index) {
      return Observation.of(name, index, requests.get(index).label());
    }
  }

  /** (a) Routing by Host and path prefix; an unknown host gets Envoy's 404 (flag NR). */
  static final class Routing extends Sequence {
    Routing() {
      super(
          "routing",
          ClientRequest.of("GET", "web", "/"),
          ClientRequest.of("GET", "web", "/api/orders"),
          ClientRequest.of("GET", "web:8080", "/api/orders"),
          ClientRequest.of("GET", "unknown.example", "/"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      setup.service("web", "", setup.upstream("web"));
      setup.service("web-api", "", setup.upstream("api"));
      setup.put(
          "/api/v1/routes/web-api",
          "{\"hosts\": [\"web\"], \"path_prefix\": \"/api/\","
              + " \"destinations\": [{\"service\": \"web-api\"}]}");
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return List.of(
          proxied(expect(0), 200, "web").attempt(forwarded("web", "GET", "/", "web")).build(),
          proxied(expect(1), 200, "api")
              .attempt(forwarded("api", "GET", "/api/orders", "web"))
              .build(),
          proxied(expect(2), 200, "api")
              .attempt(forwarded("api", "GET", "/api/orders", "web:8080"))
              .build(),
          localReply(expect(3), 404, "").build());
    }
  }

  /** (b) The mesh default retries 503 twice: fail, fail, succeed = three attempts, one id. */
  static final class RetryOn503 extends Sequence {
    private RecordingUpstream flaky;

    RetryOn503() {
      super("retry-503", ClientRequest.of("GET", "flaky", "/"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      flaky = setup.upstream("flaky");
      setup.service("flaky", "", flaky);
    }

    @Override
    void prepare() {
      flaky.answerInTurn(200, 503, 503);
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      UpstreamAttempt attempt = forwarded("flaky", "GET", "/", "flaky");
      return List.of(
          proxied(expect(0), 200, "flaky")
              .attempt(attempt)
              .attempt(attempt)
              .attempt(attempt)
              .build());
    }
  }

  /**
   * (c) The idempotency rule ({@code retriable_request_headers}): GET is retried, a POST only when
   * it carries {@code idempotency-key}.
   */
  static final class Idempotency extends Sequence {
    private RecordingUpstream orders;

    Idempotency() {
      super(
          "idempotency",
          ClientRequest.of("GET", "orders", "/"),
          ClientRequest.of("POST", "orders", "/"),
          ClientRequest.of("POST", "orders", "/", "idempotency-key", "k-1"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      orders = setup.upstream("orders");
      // The default breaker (consecutive_5xx: 5) would eject the lone host after the fifth 503 of
      // this sequence, and the keyed POST's retry would then find "no healthy upstream" — in both
      // data planes. This scenario is about the idempotency rule, so the breaker stays out of it.
      setup.service("orders", "\"breaker\": {\"consecutive_failures\": 1000}", orders);
    }

    @Override
    void prepare() {
      orders.answer(503);
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      UpstreamAttempt get = forwarded("orders", "GET", "/", "orders");
      UpstreamAttempt post = forwarded("orders", "POST", "/", "orders");
      UpstreamAttempt keyed = forwarded("orders", "POST", "/", "orders", "idempotency-key", "k-1");
      return List.of(
          proxied(expect(0), 503, "orders").attempts(List.of(get, get, get)).build(),
          proxied(expect(1), 503, "orders").attempt(post).build(),
          proxied(expect(2), 503, "orders").attempts(List.of(keyed, keyed, keyed)).build());
    }
  }

  /** (d) {@code retriable_status_codes} [429, 503]: 429 is retried, 500 is not. */
  static final class RetriableStatusCodes extends Sequence {
    private RecordingUpstream strict;

    RetriableStatusCodes() {
      super(
          "retriable-status-codes",
          ClientRequest.of("GET", "strict", "/limited"),
          ClientRequest.of("GET", "strict", "/broken"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      strict = setup.upstream("strict");
      setup.service("strict", "", strict);
    }

    @Override
    void prepare() {
      strict.answerInTurn(500, 429, 200);
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      UpstreamAttempt limited = forwarded("strict", "GET", "/limited", "strict");
      return List.of(
          proxied(expect(0), 200, "strict").attempt(limited).attempt(limited).build(),
          proxied(expect(1), 500, "strict")
              .attempt(forwarded("strict", "GET", "/broken", "strict"))
              .build());
    }
  }

  /**
   * (e) Outlier ejection with the mesh default breaker ({@code consecutive_5xx: 5}): one of three
   * hosts always answers 503. The warm-up is summarised (which host round robin picks first is an
   * implementation detail); afterwards every request reaches a good host, once.
   */
  static final class OutlierEjection implements Scenario {
    static final int WARM_UP = 20;
    static final int AFTER = 10;
    private static final ClientRequest GET = ClientRequest.of("GET", "pool", "/");
    private RecordingUpstream bad;

    @Override
    public String name() {
      return "outlier-ejection";
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      RecordingUpstream good1 = setup.upstream("good");
      bad = setup.upstream("bad");
      RecordingUpstream good2 = setup.upstream("good");
      setup.service("pool", "", good1, bad, good2);
    }

    @Override
    public ClientRequest readiness() {
      return GET;
    }

    @Override
    public List<Observation> run(ScenarioClient client) {
      bad.answer(503);
      Map<Integer, Integer> statuses = new TreeMap<>();
      int atBad = 0;
      for (int i = 0; i < WARM_UP; i++) {
        ScenarioClient.Exchange exchange = client.exchange(GET);
        statuses.merge(exchange.response().status(), 1, Integer::sum);
        atBad += (int) exchange.attempts().stream().filter(a -> a.upstream().equals("bad")).count();
      }
      List<Observation> out = new ArrayList<>();
      out.add(
          client
              .next(warmUpLabel())
              .status(statuses.size() == 1 ? statuses.keySet().iterator().next() : 0)
              .fact("statuses", statuses.toString())
              .fact("attempts at the failing host", Integer.toString(atBad))
              .build());
      for (int i = 0; i < AFTER; i++) {
        out.add(client.send(GET));
      }
      return out;
    }

    private static String warmUpLabel() {
      return GET.label() + " x" + WARM_UP + " (until ejected)";
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      List<Observation> out = new ArrayList<>();
      // Every 503 is retried on the next host, which is good; the fifth consecutive 503 ejects.
      out.add(
          Observation.of(name(), 0, warmUpLabel())
              .status(200)
              .fact("statuses", "{200=" + WARM_UP + "}")
              .fact("attempts at the failing host", "5")
              .build());
      for (int i = 1; i <= AFTER; i++) {
        out.add(
            proxied(Observation.of(name(), i, GET.label()), 200, "good")
                .attempt(forwarded("good", "GET", "/", "pool"))
                .build());
      }
      return out;
    }
  }

  /** (f) A policy route's request and response header mutations (OVERWRITE_IF_EXISTS_OR_ADD). */
  static final class HeaderMutations extends Sequence {
    HeaderMutations() {
      super(
          "header-mutations",
          ClientRequest.of("GET", "mutate", "/", "x-drop", "1", "x-keep", "1"),
          ClientRequest.of("GET", "mutate", "/", "x-route", "from-client"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      setup.service(
          "mutate",
          "",
          setup
              .upstream("mutate")
              .withResponseHeader("x-upstream-secret", "s3cret")
              .withResponseHeader("x-upstream-visible", "yes"));
      setup.put(
          "/api/v1/routes/mutate-headers",
          "{\"hosts\": [\"mutate\"], \"path_prefix\": \"/\","
              + " \"destinations\": [{\"service\": \"mutate\"}],"
              + " \"request_headers_to_add\": [{\"name\": \"x-route\", \"value\": \"canary\"}],"
              + " \"request_headers_to_remove\": [\"x-drop\"],"
              + " \"response_headers_to_add\": [{\"name\": \"x-served-by\", \"value\": \"mesh\"}],"
              + " \"response_headers_to_remove\": [\"x-upstream-secret\"]}");
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return List.of(
          proxied(expect(0), 200, "mutate")
              .header("x-served-by", "mesh")
              .header("x-upstream-visible", "yes")
              .attempt(
                  forwarded("mutate", "GET", "/", "mutate", "x-keep", "1", "x-route", "canary"))
              .build(),
          proxied(expect(1), 200, "mutate")
              .header("x-served-by", "mesh")
              .header("x-upstream-visible", "yes")
              .attempt(forwarded("mutate", "GET", "/", "mutate", "x-route", "canary"))
              .build());
    }
  }

  /** (g) Request ids: generated when absent and returned; a caller's id kept (not an edge hop). */
  static final class RequestIds extends Sequence {
    RequestIds() {
      super(
          "request-id",
          ClientRequest.of("GET", "ids", "/"),
          ClientRequest.of("GET", "ids", "/", "x-request-id", "client-id-7"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      setup.service("ids", "", setup.upstream("ids"));
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return List.of(
          proxied(expect(0), 200, "ids").attempt(forwarded("ids", "GET", "/", "ids")).build(),
          proxied(expect(1), 200, "ids")
              .header("x-request-id", "client-id-7")
              .attempt(forwardedWithId("ids", "GET", "/", "ids", "client-id-7"))
              .build());
    }
  }

  /**
   * (h) A weighted split 80/20 over a large sample. Neither data plane takes a seed for its cluster
   * pick, so the sample is sized for the tolerance: 1000 requests, ±5 points is about four standard
   * deviations of a 20 % binomial share.
   */
  static final class WeightedSplit implements Scenario {
    static final int SAMPLE = 1000;
    static final double EXPECTED_V2 = 20.0;
    static final double TOLERANCE_POINTS = 5.0;
    private static final ClientRequest GET = ClientRequest.of("GET", "split", "/");

    @Override
    public String name() {
      return "weighted-split";
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      setup.service("split", "", setup.upstream("split"));
      setup.service("split-v1", "", setup.upstream("v1"));
      setup.service("split-v2", "", setup.upstream("v2"));
      setup.put(
          "/api/v1/routes/split-canary",
          "{\"hosts\": [\"split\"], \"path_prefix\": \"/\", \"destinations\":"
              + " [{\"service\": \"split-v1\", \"weight\": 80},"
              + " {\"service\": \"split-v2\", \"weight\": 20}]}");
    }

    @Override
    public ClientRequest readiness() {
      return GET;
    }

    @Override
    public List<Observation> run(ScenarioClient client) {
      Map<Integer, Integer> statuses = new TreeMap<>();
      Map<Integer, Integer> attemptsPerRequest = new TreeMap<>();
      Set<String> upstreams = new TreeSet<>();
      int v2 = 0;
      for (int i = 0; i < SAMPLE; i++) {
        ScenarioClient.Exchange exchange = client.exchange(GET);
        statuses.merge(exchange.response().status(), 1, Integer::sum);
        attemptsPerRequest.merge(exchange.attempts().size(), 1, Integer::sum);
        exchange.attempts().forEach(a -> upstreams.add(a.upstream()));
        v2 += exchange.response().body().equals("v2") ? 1 : 0;
      }
      double share = 100.0 * v2 / SAMPLE;
      System.out.printf("weighted-split: v2 share %.1f %% over %d requests%n", share, SAMPLE);
      return List.of(
          client
              .next(label())
              .status(statuses.size() == 1 ? statuses.keySet().iterator().next() : 0)
              .fact("statuses", statuses.toString())
              .fact("attempts per request", attemptsPerRequest.toString())
              .fact("upstreams", upstreams.toString())
              .fact("v2 share", shareVerdict(share))
              .build());
    }

    static String shareVerdict(double share) {
      return Math.abs(share - EXPECTED_V2) <= TOLERANCE_POINTS
          ? "within " + EXPECTED_V2 + " ± " + TOLERANCE_POINTS + " points"
          : String.format("outside: %.1f %%", share);
    }

    private static String label() {
      return GET.label() + " x" + SAMPLE;
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return List.of(
          Observation.of(name(), 0, label())
              .status(200)
              .fact("statuses", "{200=" + SAMPLE + "}")
              .fact("attempts per request", "{1=" + SAMPLE + "}")
              .fact("upstreams", "[v1, v2]")
              .fact("v2 share", shareVerdict(EXPECTED_V2))
              .build());
    }
  }

  /** (i) Fault abort at 100 % with status 418: Envoy's local reply, the upstream never called. */
  static final class FaultAbort extends Sequence {
    FaultAbort() {
      super(
          "fault-abort",
          ClientRequest.of("GET", "faulty", "/"),
          ClientRequest.of("POST", "faulty", "/charge"));
    }

    @Override
    public void define(ScenarioSetup setup) throws Exception {
      setup.service("faulty", "", setup.upstream("faulty"));
      setup.put(
          "/api/v1/routes/faulty-abort",
          "{\"hosts\": [\"faulty\"], \"path_prefix\": \"/\","
              + " \"destinations\": [{\"service\": \"faulty\"}],"
              + " \"fault\": {\"abort_percent\": 100, \"abort_http_status\": 418}}");
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return IntStream.range(0, requests.size())
          .mapToObj(i -> localReply(expect(i), 418, "fault filter abort").build())
          .toList();
    }
  }

  /** (j) A cluster without endpoints: 503 {@code no healthy upstream} (flag UH), no attempt. */
  static final class NoEndpoints extends Sequence {
    NoEndpoints() {
      super("no-endpoints", ClientRequest.of("GET", "empty", "/"));
    }

    @Override
    public void define(ScenarioSetup setup) {
      setup.service("empty", "");
    }

    @Override
    public List<Observation> expectedEnvoyBehaviour() {
      return List.of(localReply(expect(0), 503, "no healthy upstream").build());
    }
  }
}
