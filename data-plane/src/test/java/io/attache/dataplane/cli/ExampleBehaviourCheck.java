package io.attache.dataplane.cli;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The behaviour half of issue 15's census: an example bootstrap both proxies accept is run by
 * Attaché and by a stock Envoy, with every listener moved to a loopback port the kernel picks and
 * every cluster's endpoints pointed at a local upstream of that cluster's protocol; one request per
 * route (and one per TCP proxy chain) goes to each proxy, and what the client got and what the
 * upstreams saw are compared. A file it cannot point at local upstreams (dynamic resources, TLS on
 * either side, clusters whose hosts are not a static list, pipes, UDP) is reported as not run, with
 * the reason. It reports differences; it never decides one is acceptable.
 */
final class ExampleBehaviourCheck {

  /** How one file went: every request agreed, some differed, or it could not be run (why). */
  record Outcome(String source, String status, int requests, List<String> differences) {
    static Outcome notRun(String source, String why) {
      return new Outcome(source, "not run: " + why, 0, List.of());
    }

    boolean agreed() {
      return status.equals("agree");
    }
  }

  /** What a client saw and which upstream got the request, with the headers that must agree. */
  record Observation(
      int status,
      Map<String, String> responseHeaders,
      String body,
      String upstream,
      String upstreamRequest,
      Map<String, String> upstreamHeaders) {}

  /** One request the check sends: on which listener, with what host, path and extra headers. */
  record Probe(
      String listener, boolean http, String host, String path, Map<String, String> headers) {
    String describe() {
      return http
          ? listener + " " + host + path + (headers.isEmpty() ? "" : " " + headers)
          : listener + " (tcp)";
    }
  }

  private static final String PROBE_HEADER = "x-census-probe";
  private static final Duration SETTLE = Duration.ofSeconds(20);
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  /** Headers whose values differ run to run (ids, times): compared by presence only. */
  private static final Set<String> VOLATILE =
      Set.of(
          "date",
          "x-request-id",
          "x-envoy-upstream-service-time",
          "traceparent",
          "tracestate",
          "x-b3-traceid",
          "x-b3-spanid",
          "x-b3-parentspanid",
          "x-b3-sampled",
          "b3",
          "x-datadog-trace-id",
          "x-datadog-parent-id",
          "x-datadog-sampling-priority",
          "sw8",
          "x-client-trace-id",
          "x-amzn-trace-id",
          "age",
          "etag",
          "last-modified");

  /**
   * Framing, never compared: one proxy may answer chunked where the other sends a length, and the
   * test upstream's HTTP/2 codec notes the stream id, which depends on connection reuse.
   */
  private static final Set<String> FRAMING =
      Set.of(
          "content-length", "transfer-encoding", "connection", "keep-alive", "x-http2-stream-id");

  private ExampleBehaviourCheck() {}

  /**
   * Runs {@code text} on both proxies (see the class comment) and compares; {@code workDir} holds
   * Envoy's output.
   */
  static Outcome check(String source, String text, Envoy envoy, Path workDir) {
    Map<String, Object> bootstrap;
    try {
      bootstrap = load(text);
    } catch (RuntimeException e) {
      return Outcome.notRun(source, "not one YAML mapping");
    }
    String blocker = blocker(bootstrap);
    if (blocker != null) {
      return Outcome.notRun(source, blocker);
    }
    List<TestHttpServer> upstreams = new ArrayList<>();
    List<String> upstreamNames = new ArrayList<>();
    try {
      List<Probe> probes = rewrite(bootstrap, upstreams, upstreamNames);
      if (probes.isEmpty()) {
        return Outcome.notRun(source, "no route it can send a request to");
      }
      String yaml = dump(bootstrap);
      List<String> differences = new ArrayList<>();
      try (ProxyPair pair = ProxyPair.start(envoy, "behaviour", yaml, workDir)) {
        List<String> clusters = clusterNames(bootstrap);
        for (ProxyPair.Side side : pair.both()) {
          settle(side, clusters);
        }
        int n = 0;
        for (Probe probe : probes) {
          n++;
          Observation a =
              observe(pair.attache(), probe, "census-attache-" + n, upstreams, upstreamNames);
          Observation e =
              observe(pair.envoy(), probe, "census-envoy-" + n, upstreams, upstreamNames);
          String diff = compare(a, e);
          if (diff != null) {
            differences.add(probe.describe() + ": " + diff);
          }
        }
      }
      return new Outcome(
          source,
          differences.isEmpty() ? "agree" : "differ",
          probes.size(),
          List.copyOf(differences));
    } catch (Exception e) {
      return Outcome.notRun(
          source, "could not run: " + e.getClass().getSimpleName() + ": " + firstLine(e));
    } finally {
      upstreams.forEach(TestHttpServer::close);
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    return m.lines().findFirst().orElse(m);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> load(String text) {
    Object doc = new Yaml(new LoaderOptions()).load(text);
    if (!(doc instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("not a mapping");
    }
    return (Map<String, Object>) doc;
  }

  static String dump(Map<String, Object> bootstrap) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setWidth(1000);
    return new Yaml(options).dump(bootstrap);
  }

  /** Why the file cannot be pointed at local upstreams, or {@code null} when it can. */
  static String blocker(Map<String, Object> bootstrap) {
    if (bootstrap.containsKey("dynamic_resources")) {
      return "dynamic resources (needs a control plane or its files)";
    }
    Map<String, Object> statics = map(bootstrap.get("static_resources"));
    for (Map<String, Object> listener : list(statics.get("listeners"))) {
      Map<String, Object> address = map(listener.get("address"));
      if (address.containsKey("pipe") || address.containsKey("envoy_internal_address")) {
        return "a listener on a pipe or an internal address";
      }
      if ("UDP"
          .equalsIgnoreCase(String.valueOf(map(address.get("socket_address")).get("protocol")))) {
        return "a UDP listener";
      }
      if (listener.containsKey("additional_addresses")) {
        return "a listener with additional addresses";
      }
      for (Map<String, Object> chain : chains(listener)) {
        if (chain.containsKey("transport_socket")) {
          return "downstream TLS";
        }
      }
    }
    for (Map<String, Object> cluster : list(statics.get("clusters"))) {
      if (cluster.containsKey("transport_socket")
          || cluster.containsKey("transport_socket_matches")) {
        return "upstream TLS";
      }
      if (cluster.containsKey("cluster_type")) {
        return "a custom cluster type (" + map(cluster.get("cluster_type")).get("name") + ")";
      }
      String type = String.valueOf(cluster.getOrDefault("type", "STATIC")).toUpperCase(Locale.ROOT);
      if (!Set.of("STATIC", "STRICT_DNS", "LOGICAL_DNS").contains(type)) {
        return "a " + type + " cluster";
      }
      if (endpointAddresses(cluster).isEmpty()) {
        return "a cluster without endpoints (" + cluster.get("name") + ")";
      }
    }
    return null;
  }

  /**
   * Moves every listener (and the admin) to 127.0.0.1 port 0, points every cluster's endpoints at a
   * new local upstream, and returns the requests to send.
   */
  static List<Probe> rewrite(
      Map<String, Object> bootstrap, List<TestHttpServer> upstreams, List<String> upstreamNames) {
    Map<String, Object> admin = new LinkedHashMap<>(map(bootstrap.get("admin")));
    admin.put("address", loopbackZero());
    admin.remove("access_log_path");
    admin.remove("access_log");
    bootstrap.put("admin", admin);
    Map<String, Object> statics = map(bootstrap.get("static_resources"));
    for (Map<String, Object> cluster : list(statics.get("clusters"))) {
      String name = String.valueOf(cluster.get("name"));
      TestHttpServer upstream =
          speaksHttp2(cluster)
              ? TestHttpServer.http2(r -> reply(name, r))
              : TestHttpServer.http1(r -> reply(name, r));
      upstreams.add(upstream);
      upstreamNames.add(name);
      for (Map<String, Object> socket : endpointAddresses(cluster)) {
        socket.put("address", "127.0.0.1");
        socket.put("port_value", upstream.port());
        socket.remove("resolver_name");
        socket.remove("named_port");
      }
    }
    List<Probe> probes = new ArrayList<>();
    int index = 0;
    for (Map<String, Object> listener : list(statics.get("listeners"))) {
      if (!listener.containsKey("name")) {
        listener.put("name", "census_listener_" + index);
      }
      String name = String.valueOf(listener.get("name"));
      index++;
      Map<String, Object> address = map(listener.get("address"));
      Map<String, Object> socket = map(address.get("socket_address"));
      socket.put("address", "127.0.0.1");
      socket.put("port_value", 0);
      socket.remove("ipv4_compat");
      List<Map<String, Object>> chains = chains(listener);
      // The default chain (no filter_chain_match) is what a plain loopback client reaches.
      Map<String, Object> reached =
          chains.stream()
              .filter(c -> !c.containsKey("filter_chain_match"))
              .findFirst()
              .orElse(null);
      if (reached == null || listener.containsKey("filter_chain_matcher")) {
        continue;
      }
      for (Map<String, Object> filter : list(reached.get("filters"))) {
        Map<String, Object> config = map(filter.get("typed_config"));
        String type = String.valueOf(config.get("@type"));
        redirectAccessLogs(config);
        if (type.endsWith(".HttpConnectionManager")) {
          probes.addAll(httpProbes(name, config));
        } else if (type.endsWith(".TcpProxy")) {
          probes.add(new Probe(name, false, "census.example", "/", Map.of()));
        }
      }
    }
    return probes;
  }

  private static TestHttpServer.Reply reply(String cluster, TestHttpServer.Received r) {
    return TestHttpServer.Reply.ok("cluster " + cluster + " saw " + r.method() + " " + r.uri())
        .withHeader("x-census-upstream", cluster);
  }

  private static boolean speaksHttp2(Map<String, Object> cluster) {
    if (cluster.containsKey("http2_protocol_options")) {
      return true;
    }
    for (Object options : map(cluster.get("typed_extension_protocol_options")).values()) {
      Map<String, Object> explicit = map(map(options).get("explicit_http_config"));
      if (explicit.containsKey("http2_protocol_options")) {
        return true;
      }
    }
    return false;
  }

  /** Access logs to the console would interleave with the census's own output. */
  private static void redirectAccessLogs(Map<String, Object> config) {
    for (Map<String, Object> log : list(config.get("access_log"))) {
      Map<String, Object> typed = map(log.get("typed_config"));
      if (typed.containsKey("path")) {
        typed.put("path", "/dev/null");
      }
      if (String.valueOf(typed.get("@type")).contains("Stdout")
          || String.valueOf(typed.get("@type")).contains("Stderr")) {
        typed.put(
            "@type", "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog");
        typed.put("path", "/dev/null");
      }
    }
  }

  private static List<Probe> httpProbes(String listener, Map<String, Object> hcm) {
    List<Probe> probes = new ArrayList<>();
    Map<String, Object> routeConfig = map(hcm.get("route_config"));
    for (Map<String, Object> vhost : list(routeConfig.get("virtual_hosts"))) {
      List<Object> domains = listOf(vhost.get("domains"));
      String host = domains.isEmpty() ? "census.example" : hostFor(String.valueOf(domains.get(0)));
      for (Map<String, Object> route : list(vhost.get("routes"))) {
        Map<String, Object> match = map(route.get("match"));
        String path = pathFor(match);
        Map<String, String> headers = headersFor(match);
        boolean plainGet =
            Set.of("prefix", "path", "path_separated_prefix", "headers", "case_sensitive")
                .containsAll(match.keySet());
        if (path != null && headers != null && plainGet) {
          probes.add(new Probe(listener, true, host, path, headers));
        }
      }
    }
    return probes;
  }

  /** A host name the domain matches: {@code *} and wildcards filled in. */
  static String hostFor(String domain) {
    if (domain.equals("*")) {
      return "census.example";
    }
    if (domain.startsWith("*")) {
      return "census" + domain.substring(1);
    }
    if (domain.endsWith("*")) {
      return domain.substring(0, domain.length() - 1) + "census";
    }
    return domain;
  }

  /** A path the match accepts, or {@code null} when it is a regex or template. */
  static String pathFor(Map<String, Object> match) {
    Object prefix =
        match.containsKey("prefix") ? match.get("prefix") : match.get("path_separated_prefix");
    if (prefix != null) {
      String p = String.valueOf(prefix);
      return p.isEmpty() ? "/" : p.startsWith("/") ? p : "/" + p;
    }
    if (match.containsKey("path")) {
      return String.valueOf(match.get("path"));
    }
    return null;
  }

  /** Headers the match requires, when each is a plain value or presence; else {@code null}. */
  static Map<String, String> headersFor(Map<String, Object> match) {
    Map<String, String> headers = new TreeMap<>();
    for (Map<String, Object> h : list(match.get("headers"))) {
      String name = String.valueOf(h.get("name"));
      if (name.startsWith(":") || Boolean.TRUE.equals(h.get("invert_match"))) {
        return null;
      }
      Map<String, Object> string = map(h.get("string_match"));
      if (h.containsKey("exact_match")) {
        headers.put(name, String.valueOf(h.get("exact_match")));
      } else if (string.containsKey("exact")) {
        headers.put(name, String.valueOf(string.get("exact")));
      } else if (Boolean.TRUE.equals(h.get("present_match"))) {
        headers.put(name, "present");
      } else {
        return null;
      }
    }
    return headers;
  }

  /**
   * Waits (Awaitility, bounded by {@link #SETTLE}) until every cluster has all its hosts healthy;
   * one that never does is compared anyway, as part of the behaviour.
   */
  private static void settle(ProxyPair.Side side, List<String> clusters) {
    try {
      org.awaitility.Awaitility.await()
          .atMost(SETTLE)
          .ignoreExceptions()
          .until(() -> allHealthy(side, clusters));
    } catch (org.awaitility.core.ConditionTimeoutException compareAnyway) {
      // a cluster that never becomes healthy is part of what the two proxies are compared on
    }
  }

  private static boolean allHealthy(ProxyPair.Side side, List<String> clusters) throws Exception {
    for (String cluster : clusters) {
      long total = side.stat("cluster." + cluster + ".membership_total");
      if (total == 0 || side.stat("cluster." + cluster + ".membership_healthy") < total) {
        return false;
      }
    }
    return true;
  }

  private static Observation observe(
      ProxyPair.Side side,
      Probe probe,
      String id,
      List<TestHttpServer> upstreams,
      List<String> names)
      throws Exception {
    int port = side.port(probe.listener());
    StringBuilder request = new StringBuilder();
    request.append("GET ").append(probe.path()).append(" HTTP/1.1\r\n");
    request.append("host: ").append(probe.host()).append("\r\n");
    probe.headers().forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
    request.append(PROBE_HEADER).append(": ").append(id).append("\r\n");
    request.append("connection: close\r\n\r\n");
    String raw = exchange(port, request.toString());
    int headerEnd = raw.indexOf("\r\n\r\n");
    int status = 0;
    Map<String, String> headers = new TreeMap<>();
    String body = raw;
    if (raw.startsWith("HTTP/1.") && headerEnd > 0) {
      String[] lines = raw.substring(0, headerEnd).split("\r\n");
      status = Integer.parseInt(lines[0].split(" ")[1]);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(
              lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).strip(),
              (x, y) -> x + "," + y);
        }
      }
      body = raw.substring(headerEnd + 4);
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = unchunk(body);
      }
    }
    // Every upstream request carrying this probe's id: the routed one, and mirrors.
    List<String> reached = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    Map<String, String> upstreamHeaders = new TreeMap<>();
    for (int i = 0; i < upstreams.size(); i++) {
      for (TestHttpServer.Received r : upstreams.get(i).received()) {
        if (id.equals(r.headers().get(PROBE_HEADER))) {
          String cluster = names.get(i);
          reached.add(cluster);
          requests.add(cluster + ": " + r.method() + " " + r.uri());
          Map<String, String> seen = new TreeMap<>();
          r.headers()
              .forEach(
                  e ->
                      seen.merge(
                          e.getKey().toLowerCase(Locale.ROOT),
                          e.getValue(),
                          (x, y) -> x + "," + y));
          normalise(seen).forEach((k, v) -> upstreamHeaders.put(cluster + " " + k, v));
        }
      }
    }
    java.util.Collections.sort(reached);
    java.util.Collections.sort(requests);
    return new Observation(
        status,
        normalise(headers),
        body.replace(id, "<probe>"),
        reached.isEmpty() ? null : String.join(", ", reached),
        String.join(", ", requests),
        upstreamHeaders);
  }

  private static Map<String, String> normalise(Map<String, String> headers) {
    Map<String, String> out = new TreeMap<>();
    headers.forEach(
        (k, v) -> {
          if (k.equals(PROBE_HEADER) || FRAMING.contains(k)) {
            return;
          }
          out.put(k, VOLATILE.contains(k) ? "<present>" : v);
        });
    return out;
  }

  /** What differs between Attaché's and Envoy's observation, or {@code null}. */
  static String compare(Observation a, Observation e) {
    List<String> diffs = new ArrayList<>();
    if (a.status() != e.status()) {
      diffs.add("status " + a.status() + " vs Envoy's " + e.status());
    }
    if (!Objects.equals(a.upstream(), e.upstream())) {
      diffs.add("upstream " + a.upstream() + " vs Envoy's " + e.upstream());
    } else if (!Objects.equals(a.upstreamRequest(), e.upstreamRequest())) {
      diffs.add("upstream saw " + a.upstreamRequest() + " vs Envoy's " + e.upstreamRequest());
    }
    diffs.addAll(headerDiffs("upstream header", a.upstreamHeaders(), e.upstreamHeaders()));
    diffs.addAll(headerDiffs("response header", a.responseHeaders(), e.responseHeaders()));
    if (!a.body().equals(e.body())) {
      diffs.add("body " + quote(a.body()) + " vs Envoy's " + quote(e.body()));
    }
    return diffs.isEmpty() ? null : String.join("; ", diffs);
  }

  private static List<String> headerDiffs(
      String what, Map<String, String> a, Map<String, String> e) {
    List<String> diffs = new ArrayList<>();
    Set<String> names = new java.util.TreeSet<>(a.keySet());
    names.addAll(e.keySet());
    for (String name : names) {
      if (!Objects.equals(a.get(name), e.get(name))) {
        diffs.add(what + " " + name + ": " + a.get(name) + " vs Envoy's " + e.get(name));
      }
    }
    return diffs;
  }

  private static String quote(String body) {
    String b = body.length() > 80 ? body.substring(0, 80) + "…" : body;
    return "\"" + b.replace("\n", "\\n").replace("\r", "\\r") + "\"";
  }

  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException ended) {
        // what arrived before the timeout or the reset is the observation
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static String unchunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int eol = body.indexOf("\r\n", at);
      if (eol < 0) {
        break;
      }
      int size;
      try {
        size = Integer.parseInt(body.substring(at, eol).split(";")[0].strip(), 16);
      } catch (NumberFormatException e) {
        return body;
      }
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }

  private static List<String> clusterNames(Map<String, Object> bootstrap) {
    return list(map(bootstrap.get("static_resources")).get("clusters")).stream()
        .map(c -> String.valueOf(c.get("name")))
        .toList();
  }

  private static List<Map<String, Object>> endpointAddresses(Map<String, Object> cluster) {
    List<Map<String, Object>> sockets = new ArrayList<>();
    Map<String, Object> assignment = map(cluster.get("load_assignment"));
    for (Map<String, Object> locality : list(assignment.get("endpoints"))) {
      for (Map<String, Object> lb : list(locality.get("lb_endpoints"))) {
        Map<String, Object> socket =
            map(map(map(lb.get("endpoint")).get("address")).get("socket_address"));
        if (!socket.isEmpty()) {
          sockets.add(socket);
        }
      }
    }
    for (Map<String, Object> host : list(cluster.get("hosts"))) {
      Map<String, Object> socket = map(host.get("socket_address"));
      if (!socket.isEmpty()) {
        sockets.add(socket);
      }
    }
    return sockets;
  }

  private static List<Map<String, Object>> chains(Map<String, Object> listener) {
    List<Map<String, Object>> chains = new ArrayList<>(list(listener.get("filter_chains")));
    if (listener.containsKey("default_filter_chain")) {
      chains.add(map(listener.get("default_filter_chain")));
    }
    return chains;
  }

  private static Map<String, Object> loopbackZero() {
    Map<String, Object> socket = new LinkedHashMap<>();
    socket.put("address", "127.0.0.1");
    socket.put("port_value", 0);
    Map<String, Object> address = new LinkedHashMap<>();
    address.put("socket_address", socket);
    return address;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
  }

  private static List<Object> listOf(Object o) {
    return o instanceof List<?> l ? new ArrayList<>(l) : List.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (o instanceof List<?> l) {
      for (Object item : l) {
        if (item instanceof Map<?, ?> m) {
          out.add((Map<String, Object>) m);
        }
      }
    }
    return out;
  }
}
