package io.attache.controlplane.differential;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The edge scenarios (issue 13, item 5): Envoy's resilience, routing and HTTP/1 codec behaviour
 * configured with Envoy's own fields as raw resources, driven with the same bytes against both data
 * planes. Time-dependent behaviour is observed as bounds and order (an attempt never comes before
 * its per-try timeout, an ejected host never returns before its ejection time), never as wall-clock
 * equality. Host names are unique per scenario; must never depend on which data plane runs them.
 */
final class EdgeScenarios {

  private EdgeScenarios() {}

  /**
   * How early a data plane's timer may fire by this test's clock: Envoy arms timers against its
   * event loop's cached clock, and one run saw a 200 ms per-try timeout retry 199 ms after the
   * send. Small against the 200 ms and 500 ms being bounded.
   */
  static final long TIMER_GRANULARITY_MS = 10;

  /** Fresh instances: a scenario holds the upstreams of one run. */
  static List<EdgeScenario> all() {
    return List.of(
        new LocalReplies(),
        new ForwardedProto(),
        new UntrustedEnvoyHeaders(),
        new RequestSmuggling(),
        new PerTryTimeout(),
        new RetryBackOff(),
        new CircuitBreakerOverflow(),
        new RetryBudget(),
        new OutlierEjectionAndReturn(),
        new RingHashStickiness(),
        new LocalRateLimit(),
        new Http2Requests(),
        new RequestMirroring());
  }

  /** A virtual host answering {@code domain} with one route to {@code cluster}. */
  static String routeTo(String domain, String cluster, String routeExtra) {
    return "{\"name\": \""
        + domain
        + "\", \"domains\": [\""
        + domain
        + "\"], \"routes\": [{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \""
        + cluster
        + "\""
        + (routeExtra.isEmpty() ? "" : ", " + routeExtra)
        + "}}]}";
  }

  /** Direct responses, redirects and the no-route reply: status, body, headers, no attempt. */
  static final class LocalReplies implements EdgeScenario {
    @Override
    public String name() {
      return "local-replies";
    }

    @Override
    public void define(EdgeSetup setup) {
      setup.virtualHost(
          "{\"name\": \"local\", \"domains\": [\"local\"], \"routes\": ["
              + "{\"match\": {\"prefix\": \"/direct\"}, \"direct_response\": {\"status\": 200,"
              + " \"body\": {\"inline_string\": \"hello from the edge\"}}},"
              + "{\"match\": {\"prefix\": \"/gone\"}, \"direct_response\": {\"status\": 410}},"
              + "{\"match\": {\"prefix\": \"/secure\"}, \"redirect\": {\"https_redirect\": true}},"
              + "{\"match\": {\"prefix\": \"/moved\"}, \"redirect\": {\"path_redirect\":"
              + " \"/new-home\", \"response_code\": \"PERMANENT_REDIRECT\"}},"
              + "{\"match\": {\"prefix\": \"/elsewhere\"}, \"redirect\": {\"host_redirect\":"
              + " \"other.example\", \"port_redirect\": 8443, \"response_code\": \"FOUND\","
              + " \"strip_query\": true}}]}");
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      return List.of(
          client.send(ClientRequest.of("GET", "local", "/direct")),
          client.send(ClientRequest.of("HEAD", "local", "/direct")),
          client.send(ClientRequest.of("GET", "local", "/gone")),
          client.send(ClientRequest.of("GET", "local", "/secure/x?a=1")),
          client.send(ClientRequest.of("GET", "local:8080", "/secure/x")),
          client.send(ClientRequest.of("GET", "local", "/moved?q=1")),
          client.send(ClientRequest.of("GET", "local", "/elsewhere/p?q=1")),
          client.send(ClientRequest.of("GET", "nowhere.example", "/")));
    }
  }

  /** {@code x-forwarded-proto} and {@code x-forwarded-for} on an edge proxy. */
  static final class ForwardedProto implements EdgeScenario {
    @Override
    public String name() {
      return "x-forwarded-proto";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster("edge-echo", "", setup.upstream("echo"));
      setup.virtualHost(routeTo("echo", "edge-echo", ""));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      return List.of(
          client.send(ClientRequest.of("GET", "echo", "/")),
          client.send(ClientRequest.of("GET", "echo", "/", "x-forwarded-proto", "https")),
          client.send(ClientRequest.of("GET", "echo", "/", "x-forwarded-for", "203.0.113.9")));
    }
  }

  /**
   * {@code x-envoy-*} request headers from a client of an edge proxy: retry, timeout and internal
   * markers the client should not control. The upstream always answers 503 and the route has no
   * retry policy, so the attempts show whether a client's retry header was obeyed.
   */
  static final class UntrustedEnvoyHeaders implements EdgeScenario {
    private RecordingUpstream trust;

    @Override
    public String name() {
      return "untrusted-x-envoy";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      trust = setup.upstream("trust");
      setup.cluster("edge-trust", "", trust);
      setup.virtualHost(routeTo("trust", "edge-trust", ""));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      trust.answer(503);
      return List.of(
          client.send(
              ClientRequest.of(
                  "GET", "trust", "/", "x-envoy-retry-on", "5xx", "x-envoy-max-retries", "2")),
          client.send(
              ClientRequest.of(
                  "GET",
                  "trust",
                  "/",
                  "x-envoy-internal",
                  "true",
                  "x-envoy-upstream-rq-timeout-ms",
                  "1",
                  "x-envoy-decorator-operation",
                  "client-op",
                  "x-envoy-original-path",
                  "/secret",
                  "x-envoy-expected-rq-timeout-ms",
                  "1")));
    }
  }

  /**
   * The same malformed bytes to both: framing ambiguities a smuggling attack relies on, oversized
   * heads (431/414) and a head that never completes within {@code request_headers_timeout} (408).
   */
  static final class RequestSmuggling implements EdgeScenario {
    @Override
    public String name() {
      return "request-smuggling";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster("edge-smuggle", "", setup.upstream("smuggle"));
      setup.virtualHost(routeTo("smuggle", "edge-smuggle", ""));
    }

    private static String head(EdgeClient client, String requestLine) {
      return requestLine + "\r\nHost: smuggle\r\nuser-agent: " + client.nextTag() + "\r\n";
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      List<Observation> out = new ArrayList<>();
      out.add(
          client.sendRaw(
              "content-length and chunked",
              RawExchange.ascii(
                  head(client, "POST / HTTP/1.1")
                      + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG")));
      out.add(
          client.sendRaw(
              "two different content-lengths",
              RawExchange.ascii(
                  head(client, "POST / HTTP/1.1")
                      + "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde")));
      out.add(
          client.sendRaw(
              "transfer-encoding other than chunked",
              RawExchange.ascii(
                  head(client, "POST / HTTP/1.1")
                      + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n")));
      out.add(
          client.sendRaw(
              "space before the colon",
              RawExchange.ascii(head(client, "POST / HTTP/1.1") + "Content-Length : 0\r\n\r\n")));
      out.add(
          client.sendRaw(
              "obsolete line folding",
              RawExchange.ascii(
                  head(client, "GET / HTTP/1.1")
                      + "x-folded: a\r\n b\r\ncontent-length: 0\r\n\r\n")));
      out.add(
          client.sendRaw(
              "a header past max_request_headers_kb",
              RawExchange.ascii(
                  head(client, "GET / HTTP/1.1")
                      + "x-big: "
                      + "a".repeat(EdgeListener.MAX_REQUEST_HEADERS_KB * 1024 + 100)
                      + "\r\ncontent-length: 0\r\n\r\n")));
      out.add(
          client.sendRaw(
              "a request line past max_request_headers_kb",
              RawExchange.ascii(
                  head(
                          client,
                          "GET /"
                              + "a".repeat(EdgeListener.MAX_REQUEST_HEADERS_KB * 1024 + 100)
                              + " HTTP/1.1")
                      + "content-length: 0\r\n\r\n")));
      out.add(
          client.sendRaw(
              "a head never finished (request_headers_timeout)",
              RawExchange.ascii(head(client, "GET / HTTP/1.1"))));
      return out;
    }
  }

  /**
   * {@code per_try_timeout} 0.2 s with two retries: a silent first try is given up at its per-try
   * timeout and retried; three silent tries end in 504. Bound: attempt k + 1 reaches the upstream
   * no sooner than k per-try timeouts (less timer granularity) after the client sent the request.
   */
  static final class PerTryTimeout implements EdgeScenario {
    static final long PER_TRY_MS = 200;

    private RecordingUpstream slow;

    @Override
    public String name() {
      return "per-try-timeout";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      slow = setup.upstream("slow");
      setup.cluster("edge-slow", "", slow);
      setup.virtualHost(
          routeTo(
              "slow",
              "edge-slow",
              "\"timeout\": \"10s\", \"retry_policy\": {\"retry_on\": \"5xx\", \"num_retries\": 2,"
                  + " \"per_try_timeout\": \"0.2s\", \"retry_back_off\": {\"base_interval\":"
                  + " \"0.01s\", \"max_interval\": \"0.02s\"}}"));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      List<Observation> out = new ArrayList<>();
      for (int silentTries : new int[] {1, 3}) {
        slow.hold(silentTries);
        EdgeClient.Exchange exchange = client.exchange(ClientRequest.of("GET", "slow", "/"));
        // Each per-try timer starts after the client sent the request, so attempt k + 1 cannot
        // reach the upstream before k per-try timeouts have passed since then, less the data
        // plane's timer granularity.
        List<Long> sinceSent =
            exchange.arrivals().stream().map(t -> (t - exchange.sentAt()) / 1_000_000).toList();
        boolean bounded = true;
        for (int k = 1; k < sinceSent.size(); k++) {
          bounded &= sinceSent.get(k) >= k * (PER_TRY_MS - TIMER_GRANULARITY_MS);
        }
        System.out.printf(
            "per-try-timeout: %d silent, attempts arrived %s ms after the request was sent%n",
            silentTries, sinceSent);
        out.add(
            client
                .observation(
                    "GET slow / (" + silentTries + " silent tries)",
                    exchange.response(),
                    exchange.attempts())
                .fact(
                    "attempt k+1 at least k per_try_timeouts after the send",
                    Boolean.toString(bounded))
                .build());
        slow.release();
      }
      return out;
    }
  }

  /**
   * {@code retry_back_off} base 50 ms, max 80 ms: three 503s then 200. Bound: the three back-offs
   * together stay under the sum of their caps (50 + 80 + 80 ms) plus half a second for the attempts
   * themselves and scheduling on a loaded machine.
   */
  static final class RetryBackOff implements EdgeScenario {
    static final long BASE_MS = 50;
    static final long MAX_MS = 80;
    static final long SCHEDULING_ALLOWANCE_MS = 500;
    private RecordingUpstream backoff;

    @Override
    public String name() {
      return "retry-back-off";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      backoff = setup.upstream("backoff");
      setup.cluster("edge-backoff", "", backoff);
      setup.virtualHost(
          routeTo(
              "backoff",
              "edge-backoff",
              "\"retry_policy\": {\"retry_on\": \"5xx\", \"num_retries\": 3,"
                  + " \"retry_back_off\": {\"base_interval\": \"0.05s\","
                  + " \"max_interval\": \"0.08s\"}}"));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      backoff.answerInTurn(200, 503, 503, 503);
      EdgeClient.Exchange exchange = client.exchange(ClientRequest.of("GET", "backoff", "/"));
      long caps = 0;
      for (int retry = 1; retry < exchange.attempts().size(); retry++) {
        caps += Math.min(BASE_MS << (retry - 1), MAX_MS);
      }
      long total = EdgeClient.gapsMillis(exchange.arrivals()).stream().mapToLong(g -> g).sum();
      System.out.printf(
          "retry-back-off: %d attempts, %d ms between first and last (caps %d ms)%n",
          exchange.attempts().size(), total, caps);
      return List.of(
          client
              .observation(
                  "GET backoff / (503, 503, 503, 200)", exchange.response(), exchange.attempts())
              .fact(
                  "back-offs within their caps",
                  Boolean.toString(total <= caps + SCHEDULING_ALLOWANCE_MS))
              .build());
    }
  }

  /**
   * {@code max_requests: 1}: with one request held at the upstream, the next overflows at once —
   * 503, {@code x-envoy-overloaded: true}, no attempt — and the held one completes when released.
   */
  static final class CircuitBreakerOverflow implements EdgeScenario {
    private RecordingUpstream held;

    @Override
    public String name() {
      return "circuit-breaker-overflow";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      held = setup.upstream("cb");
      setup.cluster(
          "edge-cb", "\"circuit_breakers\": {\"thresholds\": [{\"max_requests\": 1}]}", held);
      setup.virtualHost(routeTo("cb", "edge-cb", ""));
    }

    @Override
    public List<Observation> run(EdgeClient client) throws Exception {
      held.hold(1);
      int mark = client.log().mark();
      CompletableFuture<ClientResponse> first =
          client.sendInBackground(ClientRequest.of("GET", "cb", "/first"));
      await().atMost(Duration.ofSeconds(10)).until(() -> client.log().mark() > mark);
      Observation second = client.send(ClientRequest.of("GET", "cb", "/second"));
      held.release();
      ClientResponse firstResponse = first.get(RawExchange.READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      List<UpstreamAttempt> firstAttempts =
          client.log().since(mark).stream().filter(a -> a.path().equals("/first")).toList();
      return List.of(
          second,
          client
              .observation(
                  "GET cb /first (held while /second was sent)", firstResponse, firstAttempts)
              .build());
    }
  }

  /**
   * A retry budget of 0 % with {@code min_retry_concurrency: 0}: a 503 that the route would retry
   * is not, the retry overflows ({@code upstream_rq_retry_overflow}) and the client gets the 503.
   */
  static final class RetryBudget implements EdgeScenario {
    private RecordingUpstream budget;

    @Override
    public String name() {
      return "retry-budget";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      budget = setup.upstream("budget");
      setup.cluster(
          "edge-budget",
          "\"circuit_breakers\": {\"thresholds\": [{\"retry_budget\": {\"budget_percent\":"
              + " {\"value\": 0}, \"min_retry_concurrency\": 0}}]}",
          budget);
      setup.virtualHost(
          routeTo(
              "budget",
              "edge-budget",
              "\"retry_policy\": {\"retry_on\": \"5xx\", \"num_retries\": 3}"));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      budget.answerInTurn(200, 503);
      return List.of(
          client.send(ClientRequest.of("GET", "budget", "/")),
          client.send(ClientRequest.of("GET", "budget", "/")));
    }
  }

  /**
   * Outlier detection ({@code consecutive_5xx: 3}, {@code base_ejection_time: 0.5s}, interval 0.1
   * s) over two hosts, one answering 503: it is ejected by its third 503, then fixed, and traffic
   * finds it again — never before its ejection time has passed. Polls until it returns, and round
   * robin may start at either host, so the traffic (and the stats) vary from run to run. Every time
   * is measured from the 503 that caused the ejection, never from the request count: on a loaded
   * machine the twelve requests may outlast the ejection, and a host back from ejection may rightly
   * fail once more.
   */
  static final class OutlierEjectionAndReturn implements EdgeScenario {
    static final int REQUESTS = 12;
    static final long BASE_EJECTION_MS = 500;
    static final int CONSECUTIVE_5XX = 3;
    private static final ClientRequest GET = ClientRequest.of("GET", "od", "/");
    private RecordingUpstream bad;

    @Override
    public String name() {
      return "outlier-ejection-return";
    }

    @Override
    public boolean deterministic() {
      return false;
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      RecordingUpstream good = setup.upstream("good");
      bad = setup.upstream("bad");
      setup.cluster(
          "edge-od",
          "\"outlier_detection\": {\"consecutive_5xx\": "
              + CONSECUTIVE_5XX
              + ", \"interval\": \"0.1s\","
              + " \"base_ejection_time\": \"0.5s\", \"max_ejection_percent\": 50}",
          good,
          bad);
      setup.virtualHost(routeTo("od", "edge-od", ""));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      bad.answer(503);
      // Round robin reaches the failing host three times within the first six requests.
      Map<Integer, Integer> firstSix = new TreeMap<>();
      int atBad = 0;
      long ejectingFailureArrival = 0;
      int atBadWhileEjected = 0;
      for (int i = 0; i < REQUESTS; i++) {
        EdgeClient.Exchange exchange = client.exchange(GET);
        if (i < 6) {
          firstSix.merge(exchange.response().status(), 1, Integer::sum);
        }
        for (int a = 0; a < exchange.attempts().size(); a++) {
          if (exchange.attempts().get(a).upstream().equals("bad")) {
            long arrival = exchange.arrivals().get(a);
            if (++atBad == CONSECUTIVE_5XX) {
              ejectingFailureArrival = arrival;
            } else if (atBad > CONSECUTIVE_5XX
                && arrival - ejectingFailureArrival
                    < (BASE_EJECTION_MS - TIMER_GRANULARITY_MS) * 1_000_000) {
              atBadWhileEjected++;
            }
          }
        }
      }
      bad.answer(200);
      int fixed = client.log().mark();
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                client.exchange(GET);
                return client.log().since(fixed).stream().anyMatch(a -> a.upstream().equals("bad"));
              });
      List<UpstreamAttempt> afterFix = client.log().since(fixed);
      List<Long> arrivals = client.log().arrivalsSince(fixed);
      long returned = 0;
      for (int a = 0; a < afterFix.size(); a++) {
        if (afterFix.get(a).upstream().equals("bad")) {
          returned = arrivals.get(a);
          break;
        }
      }
      long ejectedForMs = (returned - ejectingFailureArrival) / 1_000_000;
      System.out.printf("outlier-ejection-return: the host was back after %d ms%n", ejectedForMs);
      return List.of(
          client
              .next(GET.label() + " x" + REQUESTS + ", one host of two answering 503")
              .fact("statuses of the first six", firstSix.toString())
              .fact(
                  "attempts at the failing host while ejected", Integer.toString(atBadWhileEjected))
              .build(),
          client
              .next(GET.label() + " until the fixed host is picked again")
              .fact("returned", "true")
              .fact(
                  "ejected for at least base_ejection_time",
                  Boolean.toString(ejectedForMs >= BASE_EJECTION_MS - TIMER_GRANULARITY_MS))
              .build());
    }
  }

  /** {@code RING_HASH} on a request header: every key sticks to one of three hosts. */
  static final class RingHashStickiness implements EdgeScenario {
    static final int KEYS = 20;
    static final int REQUESTS_PER_KEY = 3;

    @Override
    public String name() {
      return "ring-hash";
    }

    /** Which host a key lands on depends on the upstreams' ports, new every run. */
    @Override
    public boolean deterministic() {
      return false;
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster(
          "edge-ring",
          "\"lb_policy\": \"RING_HASH\"",
          setup.upstream("r1"),
          setup.upstream("r2"),
          setup.upstream("r3"));
      setup.virtualHost(
          routeTo(
              "ring",
              "edge-ring",
              "\"hash_policy\": [{\"header\": {\"header_name\": \"x-user\"}}]"));
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      Map<String, Set<String>> hostsByKey = new HashMap<>();
      Map<Integer, Integer> statuses = new TreeMap<>();
      Set<String> used = new TreeSet<>();
      for (int round = 0; round < REQUESTS_PER_KEY; round++) {
        for (int key = 0; key < KEYS; key++) {
          String user = "user-" + key;
          EdgeClient.Exchange exchange =
              client.exchange(ClientRequest.of("GET", "ring", "/", "x-user", user));
          statuses.merge(exchange.response().status(), 1, Integer::sum);
          exchange
              .attempts()
              .forEach(
                  a -> {
                    hostsByKey.computeIfAbsent(user, k -> new TreeSet<>()).add(a.upstream());
                    used.add(a.upstream());
                  });
        }
      }
      return List.of(
          client
              .next("GET ring / x" + KEYS * REQUESTS_PER_KEY + ", " + KEYS + " x-user keys")
              .status(statuses.size() == 1 ? statuses.keySet().iterator().next() : 0)
              .fact("statuses", statuses.toString())
              .fact(
                  "every key on one host",
                  Boolean.toString(
                      hostsByKey.size() == KEYS
                          && hostsByKey.values().stream().allMatch(h -> h.size() == 1)))
              .fact("hosts used", Integer.toString(used.size()))
              .build());
    }
  }

  /**
   * {@code envoy.filters.http.local_ratelimit}, off for the listener and on for two routes through
   * their own {@code LocalRateLimit}: a plain bucket of 2, and a bucket per {@code x-tenant}
   * descriptor. Fill intervals of an hour keep the outcome independent of the machine's speed.
   */
  static final class LocalRateLimit implements EdgeScenario {
    private static final String LIMIT =
        "\"envoy.filters.http.local_ratelimit\": {\"@type\":"
            + " \"type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3"
            + ".LocalRateLimit\", \"stat_prefix\": \"%s\","
            + " \"token_bucket\": {\"max_tokens\": %d, \"fill_interval\": \"3600s\"},"
            + " \"filter_enabled\": {\"default_value\": {\"numerator\": 100}},"
            + " \"filter_enforced\": {\"default_value\": {\"numerator\": 100}},"
            + " \"enable_x_ratelimit_headers\": \"DRAFT_VERSION_03\","
            + " \"response_headers_to_add\": [{\"header\": {\"key\": \"x-local-rate-limit\","
            + " \"value\": \"true\"}}]%s}";

    @Override
    public String name() {
      return "local-rate-limit";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster("edge-rl", "", setup.upstream("rl"));
      String tenants =
          ", \"descriptors\": [{\"entries\": [{\"key\": \"tenant\", \"value\": \"free\"}],"
              + " \"token_bucket\": {\"max_tokens\": 1, \"fill_interval\": \"3600s\"}}],"
              + " \"rate_limits\": [{\"actions\": [{\"request_headers\": {\"header_name\":"
              + " \"x-tenant\", \"descriptor_key\": \"tenant\"}}]}]";
      setup.virtualHost(
          "{\"name\": \"rl\", \"domains\": [\"rl\"], \"routes\": ["
              + "{\"match\": {\"prefix\": \"/plain\"}, \"route\": {\"cluster\": \"edge-rl\"},"
              + " \"typed_per_filter_config\": {"
              + LIMIT.formatted("rl_plain", 2, "")
              + "}},"
              + "{\"match\": {\"prefix\": \"/tenant\"}, \"route\": {\"cluster\": \"edge-rl\"},"
              + " \"typed_per_filter_config\": {"
              + LIMIT.formatted("rl_tenant", 5, tenants)
              + "}},"
              + "{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"edge-rl\"}}]}");
      setup.compareStats("rl_plain.http_local_rate_limit.");
      setup.compareStats("rl_tenant.http_local_rate_limit.");
      setup.compareStats("edge_rate_limit.http_local_rate_limit.");
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      return List.of(
          client.send(ClientRequest.of("GET", "rl", "/plain/1")),
          client.send(ClientRequest.of("GET", "rl", "/plain/2")),
          client.send(ClientRequest.of("GET", "rl", "/plain/3")),
          client.send(ClientRequest.of("GET", "rl", "/unlimited")),
          client.send(ClientRequest.of("GET", "rl", "/tenant/a", "x-tenant", "free")),
          client.send(ClientRequest.of("GET", "rl", "/tenant/b", "x-tenant", "free")),
          client.send(ClientRequest.of("GET", "rl", "/tenant/c", "x-tenant", "paying")),
          client.send(ClientRequest.of("GET", "rl", "/tenant/d")));
    }
  }

  /**
   * The same scenarios' requests over HTTP/2 with prior knowledge on the edge listener ({@code
   * codec_type: AUTO}): routing, a retry on 503, local replies (direct response, no route), {@code
   * x-envoy-*} headers from an untrusted client, and malformed requests RFC 9113 §8.2-8.3 forbids
   * (an upper-case header name, connection-specific headers, a missing {@code :path}), whose answer
   * — a reset stream or a local reply — and stats are compared like the rest.
   */
  static final class Http2Requests implements EdgeScenario {
    private RecordingUpstream retried;
    private RecordingUpstream untrusting;

    @Override
    public String name() {
      return "http2";
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster("edge-h2", "", setup.upstream("h2"));
      retried = setup.upstream("h2-retried");
      setup.cluster("edge-h2-retry", "", retried);
      untrusting = setup.upstream("h2-trust");
      setup.cluster("edge-h2-trust", "", untrusting);
      setup.virtualHost(routeTo("h2", "edge-h2", ""));
      setup.virtualHost(
          routeTo(
              "h2-retry",
              "edge-h2-retry",
              "\"retry_policy\": {\"retry_on\": \"5xx\", \"num_retries\": 2,"
                  + " \"retry_back_off\": {\"base_interval\": \"0.01s\","
                  + " \"max_interval\": \"0.02s\"}}"));
      setup.virtualHost(routeTo("h2-trust", "edge-h2-trust", ""));
      setup.virtualHost(
          "{\"name\": \"h2-local\", \"domains\": [\"h2-local\"], \"routes\": ["
              + "{\"match\": {\"prefix\": \"/direct\"}, \"direct_response\": {\"status\": 200,"
              + " \"body\": {\"inline_string\": \"hello over h2\"}}}]}");
      setup.compareStats("http2.");
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      List<Observation> out = new ArrayList<>();
      out.add(client.sendH2(ClientRequest.of("GET", "h2", "/orders?id=7")));
      out.add(client.sendH2(ClientRequest.of("POST", "h2", "/orders", "x-request-id", "rq-h2-1")));
      retried.answerInTurn(200, 503);
      out.add(client.sendH2(ClientRequest.of("GET", "h2-retry", "/")));
      out.add(client.sendH2(ClientRequest.of("GET", "h2-local", "/direct")));
      out.add(client.sendH2(ClientRequest.of("HEAD", "h2-local", "/direct")));
      out.add(client.sendH2(ClientRequest.of("GET", "nowhere.example", "/")));
      untrusting.answer(503);
      out.add(
          client.sendH2(
              ClientRequest.of(
                  "GET",
                  "h2-trust",
                  "/",
                  "x-envoy-retry-on",
                  "5xx",
                  "x-envoy-max-retries",
                  "2",
                  "x-envoy-internal",
                  "true",
                  "x-envoy-original-path",
                  "/secret")));
      untrusting.answer(200);
      out.add(
          client.sendH2Raw(
              "an upper-case header name", malformed(client, "/upper", List.of("X-Upper", "1"))));
      out.add(
          client.sendH2Raw(
              "a connection-specific header (connection)",
              malformed(client, "/connection", List.of("connection", "keep-alive"))));
      out.add(
          client.sendH2Raw(
              "te other than trailers", malformed(client, "/te", List.of("te", "gzip"))));
      out.add(
          client.sendH2Raw(
              "no :path",
              List.of(
                  ":method",
                  "GET",
                  ":scheme",
                  "http",
                  ":authority",
                  "h2",
                  "user-agent",
                  client.nextTag())));
      return out;
    }

    /** A GET to the routed host with one extra header pair RFC 9113 forbids. */
    private static List<String> malformed(EdgeClient client, String path, List<String> extra) {
      List<String> block = new ArrayList<>(client.h2Headers(ClientRequest.of("GET", "h2", path)));
      block.addAll(extra);
      return block;
    }
  }

  /**
   * {@code request_mirror_policies}: every request on the route is shadowed to a second cluster
   * whose upstream answers 503, with {@code -shadow} on the authority (before the port) unless the
   * second policy disables it; the client sees only the main upstream's answer. Not deterministic
   * in the harness's sense: a shadow arrives at its own pace, so the scenario waits for each and
   * reports what the upstreams saw itself.
   */
  static final class RequestMirroring implements EdgeScenario {
    private static final int REQUESTS = 3;

    @Override
    public String name() {
      return "request-mirroring";
    }

    @Override
    public boolean deterministic() {
      return false;
    }

    @Override
    public void define(EdgeSetup setup) throws Exception {
      setup.cluster("edge-mirror-main", "", setup.upstream("mirror-main"));
      RecordingUpstream shadow = setup.upstream("mirror-shadow");
      shadow.answer(503);
      setup.cluster("edge-mirror-shadow", "", shadow);
      setup.cluster("edge-mirror-keep", "", setup.upstream("mirror-keep"));
      setup.virtualHost(
          "{\"name\": \"mirror\", \"domains\": [\"mirror\", \"mirror:8080\"], \"routes\":"
              + " [{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\":"
              + " \"edge-mirror-main\", \"request_mirror_policies\": [{\"cluster\":"
              + " \"edge-mirror-shadow\"}, {\"cluster\": \"edge-mirror-keep\","
              + " \"disable_shadow_host_suffix_append\": true}]}}]}");
    }

    @Override
    public List<Observation> run(EdgeClient client) {
      int mark = client.log().mark();
      List<ClientResponse> responses = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        responses.add(
            client
                .exchange(ClientRequest.of("POST", "mirror:8080", "/orders/" + i, "x-n", "" + i))
                .response());
      }
      List<UpstreamAttempt> seen =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> client.log().since(mark), attempts -> attempts.size() >= 3 * REQUESTS);
      Map<String, Set<String>> hosts = new TreeMap<>();
      Map<String, Integer> counts = new TreeMap<>();
      Set<String> paths = new TreeSet<>();
      for (UpstreamAttempt a : seen) {
        hosts.computeIfAbsent(a.upstream(), k -> new TreeSet<>()).add(a.headers().get("host"));
        counts.merge(a.upstream(), 1, Integer::sum);
        paths.add(a.upstream() + " " + a.method() + " " + a.path());
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      responses.forEach(r -> statuses.merge(r.status(), 1, Integer::sum));
      return List.of(
          client
              .next("POST mirror:8080 /orders/n x" + REQUESTS + ", shadowed twice each")
              .status(statuses.size() == 1 ? statuses.keySet().iterator().next() : 0)
              .fact("client statuses", statuses.toString())
              .fact(
                  "client bodies", responses.stream().map(ClientResponse::body).toList().toString())
              .fact("requests per upstream", counts.toString())
              .fact("host per upstream", hosts.toString())
              .fact("paths", paths.toString())
              .build());
    }
  }
}
