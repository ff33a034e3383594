package io.attache.dataplane.cli;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.UdpEchoServer;
import io.attache.dataplane.tls.TestPki;
import io.attache.testing.envoy.Envoy;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The behaviour half of issue 15's census: an example bootstrap both proxies accept is run by
 * Attaché and by a stock Envoy, with every listener moved to a loopback port the kernel picks and
 * every cluster's endpoints pointed at a local upstream of that cluster's kind (HTTP/1.1, HTTP/2,
 * either over TLS where the cluster's transport socket is TLS, or a UDP echo for a UDP proxy's
 * clusters); one request per route it can derive (regex, header and query matchers included), one
 * per TCP proxy chain and one datagram per UDP listener go to each proxy — over TLS with the
 * chain's SNI and ALPN, and a client certificate its validation context accepts, where the chain
 * terminates TLS — and what the client got and what the upstreams saw are compared. Certificates
 * the file names relative to its sandbox are minted by {@link CensusSandbox}; certificates an
 * upstream or client needs are signed by the same CA when the file trusts it, else self-signed. A
 * file it cannot point at local upstreams (dynamic resources, {@code ORIGINAL_DST} without {@code
 * use_http_header}, hosts that are not a static list, pipes) is reported as not run, with the
 * reason. It reports differences; it never decides one is acceptable.
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

  /** How a probe travels: an HTTP/1.1 request, raw bytes through a TCP proxy, or a datagram. */
  enum Kind {
    HTTP,
    TCP,
    UDP
  }

  /**
   * The client side of a TLS probe: the SNI it sends ({@code null}: none), the ALPN protocols it
   * offers, and the certificate it presents ({@code null}: none).
   */
  record ClientTls(String sni, List<String> alpn, TestPki.Issued certificate) {
    String describe() {
      return "tls"
          + (sni == null ? "" : " sni=" + sni)
          + (alpn.isEmpty() ? "" : " alpn=" + String.join(",", alpn))
          + (certificate == null ? "" : " client-cert");
    }
  }

  /**
   * One request the check sends: on which listener, of which kind, with what host, path and extra
   * headers, over TLS when {@code tls} is not {@code null}.
   */
  record Probe(
      String listener,
      Kind kind,
      String host,
      String path,
      Map<String, String> headers,
      ClientTls tls,
      List<String> mirrors) {
    /** A probe of a route that mirrors nothing. */
    Probe(
        String listener,
        Kind kind,
        String host,
        String path,
        Map<String, String> headers,
        ClientTls tls) {
      this(listener, kind, host, path, headers, tls, List.of());
    }

    String describe() {
      String what =
          switch (kind) {
            case HTTP -> listener + " " + host + path + (headers.isEmpty() ? "" : " " + headers);
            case TCP -> listener + " (tcp)";
            case UDP -> listener + " (udp)";
          };
      return tls == null ? what : what + " (" + tls.describe() + ")";
    }
  }

  /** The probes derived from a file, and the chains or routes it could not probe, with why. */
  record Plan(List<Probe> probes, List<String> notProbed) {}

  /** The local upstream standing in for one cluster: an HTTP(S) server or a UDP echo. */
  record LocalUpstream(String cluster, TestHttpServer http, UdpEchoServer udp)
      implements AutoCloseable {
    int port() {
      return http != null ? http.port() : udp.port();
    }

    @Override
    public void close() throws InterruptedException {
      if (http != null) {
        http.close();
      } else {
        udp.close();
      }
    }
  }

  private static final String PROBE_HEADER = "x-census-probe";
  private static final Duration SETTLE = Duration.ofSeconds(20);
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  /** How long a UDP probe waits for an answer; a UDP proxy that drops the datagram sends none. */
  private static final int UDP_ANSWER_MILLIS = 3_000;

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
   * Envoy's output and the file's sandbox certificates.
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
    List<LocalUpstream> upstreams = new ArrayList<>();
    try {
      Path sandboxDir = workDir.toAbsolutePath().resolve("sandbox");
      CensusSandbox.Prepared sandbox = CensusSandbox.prepare(text, sandboxDir);
      Plan plan = rewrite(bootstrap, sandbox, upstreams);
      absolutise(bootstrap, sandboxDir, Set.copyOf(sandbox.generated()));
      if (plan.probes().isEmpty()) {
        return Outcome.notRun(
            source,
            plan.notProbed().isEmpty()
                ? "no route it can send a request to"
                : String.join("; ", plan.notProbed()));
      }
      String yaml = dump(bootstrap);
      List<String> differences = new ArrayList<>();
      try (ProxyPair pair = ProxyPair.start(envoy, "behaviour", yaml, workDir)) {
        List<String> clusters = clustersWithHosts(bootstrap);
        for (ProxyPair.Side side : pair.both()) {
          settle(side, clusters);
        }
        int n = 0;
        for (Probe probe : plan.probes()) {
          n++;
          Observation a = observe(pair.attache(), probe, "census-attache-" + n, upstreams);
          Observation e = observe(pair.envoy(), probe, "census-envoy-" + n, upstreams);
          String diff = compare(a, e);
          if (diff != null) {
            differences.add(probe.describe() + ": " + diff);
          }
        }
      }
      return new Outcome(
          source,
          differences.isEmpty() ? "agree" : "differ",
          plan.probes().size(),
          List.copyOf(differences));
    } catch (Exception e) {
      return Outcome.notRun(
          source, "could not run: " + e.getClass().getSimpleName() + ": " + firstLine(e));
    } finally {
      for (LocalUpstream upstream : upstreams) {
        try {
          upstream.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
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
      if (listener.containsKey("additional_addresses")) {
        return "a listener with additional addresses";
      }
      for (Map<String, Object> chain : chains(listener)) {
        String other = notTls(chain.get("transport_socket"), "DownstreamTlsContext");
        if (other != null) {
          return "a downstream " + other + " transport socket";
        }
      }
    }
    for (Map<String, Object> cluster : list(statics.get("clusters"))) {
      String other = notTls(cluster.get("transport_socket"), "UpstreamTlsContext");
      if (other != null) {
        return "an upstream " + other + " transport socket";
      }
      if (cluster.containsKey("transport_socket_matches")) {
        return "upstream transport_socket_matches";
      }
      if (cluster.containsKey("cluster_type")) {
        return "a custom cluster type (" + map(cluster.get("cluster_type")).get("name") + ")";
      }
      String type = type(cluster);
      if (type.equals("ORIGINAL_DST")) {
        if (!usesHttpHeader(cluster)) {
          return "an ORIGINAL_DST cluster without use_http_header (on loopback its destination"
              + " is the listener itself)";
        }
        continue;
      }
      if (!Set.of("STATIC", "STRICT_DNS", "LOGICAL_DNS").contains(type)) {
        return "a " + type + " cluster";
      }
      if (endpointAddresses(cluster).isEmpty()) {
        return "a cluster without endpoints (" + cluster.get("name") + ")";
      }
    }
    return null;
  }

  /** The transport socket's name when it is set and not TLS of {@code tlsType}; else null. */
  private static String notTls(Object transportSocket, String tlsType) {
    if (transportSocket == null) {
      return null;
    }
    Map<String, Object> socket = map(transportSocket);
    String type = String.valueOf(map(socket.get("typed_config")).get("@type"));
    return type.endsWith("." + tlsType) ? null : String.valueOf(socket.get("name"));
  }

  private static String type(Map<String, Object> cluster) {
    return String.valueOf(cluster.getOrDefault("type", "STATIC")).toUpperCase(Locale.ROOT);
  }

  private static boolean usesHttpHeader(Map<String, Object> cluster) {
    return Boolean.TRUE.equals(map(cluster.get("original_dst_lb_config")).get("use_http_header"));
  }

  /**
   * Moves every listener (and the admin) to 127.0.0.1 port 0, points every cluster's endpoints at a
   * new local upstream (added to {@code upstreams}), and returns the requests to send and what it
   * could not probe. {@code sandbox} is the file's sandbox: its CA signs the certificates a file
   * that trusts it must be shown.
   */
  static Plan rewrite(
      Map<String, Object> bootstrap, CensusSandbox.Prepared sandbox, List<LocalUpstream> upstreams)
      throws Exception {
    Map<String, Object> admin = new LinkedHashMap<>(map(bootstrap.get("admin")));
    admin.put("address", loopbackZero());
    admin.remove("access_log_path");
    admin.remove("access_log");
    bootstrap.put("admin", admin);
    Map<String, Object> statics = map(bootstrap.get("static_resources"));
    List<Map<String, Object>> listeners = list(statics.get("listeners"));
    // Clusters a UDP proxy sends to get a UDP echo; those a TLS-passthrough TCP proxy sends to get
    // a TLS upstream, since the client's TLS goes through to them.
    Set<String> udpClusters = new HashSet<>();
    Set<String> passthrough = new HashSet<>();
    for (Map<String, Object> listener : listeners) {
      if (isUdp(listener)) {
        clusterNamesIn(listener.get("listener_filters"), udpClusters);
        continue;
      }
      for (Map<String, Object> chain : chains(listener)) {
        if (!chain.containsKey("transport_socket") && clientSpeaksTls(chain)) {
          for (Map<String, Object> filter : list(chain.get("filters"))) {
            Map<String, Object> config = map(filter.get("typed_config"));
            if (String.valueOf(config.get("@type")).endsWith(".TcpProxy")) {
              passthrough.add(String.valueOf(config.get("cluster")));
            }
          }
        }
      }
    }
    Map<String, Map.Entry<String, String>> originalDst = new HashMap<>();
    for (Map<String, Object> cluster : list(statics.get("clusters"))) {
      String name = String.valueOf(cluster.get("name"));
      LocalUpstream upstream =
          upstreamFor(
              name, cluster, udpClusters.contains(name), passthrough.contains(name), sandbox);
      upstreams.add(upstream);
      if (type(cluster).equals("ORIGINAL_DST")) {
        String header =
            String.valueOf(
                map(cluster.get("original_dst_lb_config"))
                    .getOrDefault("http_header_name", "x-envoy-original-dst-host"));
        originalDst.put(name, Map.entry(header, "127.0.0.1:" + upstream.port()));
      }
      for (Map<String, Object> socket : endpointAddresses(cluster)) {
        socket.put("address", "127.0.0.1");
        socket.put("port_value", upstream.port());
        socket.remove("resolver_name");
        socket.remove("named_port");
      }
    }
    List<Probe> probes = new ArrayList<>();
    List<String> notProbed = new ArrayList<>();
    int index = 0;
    for (Map<String, Object> listener : listeners) {
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
      for (Map<String, Object> chain : chains(listener)) {
        for (Map<String, Object> filter : list(chain.get("filters"))) {
          redirectAccessLogs(map(filter.get("typed_config")));
        }
      }
      if (isUdp(listener)) {
        probes.add(new Probe(name, Kind.UDP, null, null, Map.of(), null));
        continue;
      }
      if (listener.containsKey("filter_chain_matcher")) {
        notProbed.add(name + ": a filter_chain_matcher");
        continue;
      }
      for (Map<String, Object> chain : chains(listener)) {
        Map<String, Object> match = map(chain.get("filter_chain_match"));
        if (!Set.of("server_names", "transport_protocol", "application_protocols")
            .containsAll(match.keySet())) {
          notProbed.add(name + ": a chain matched on " + match.keySet());
          continue;
        }
        ClientTls tls;
        try {
          tls = clientTls(chain, sandbox);
        } catch (IllegalStateException cannot) {
          notProbed.add(name + ": " + cannot.getMessage());
          continue;
        }
        for (Map<String, Object> filter : list(chain.get("filters"))) {
          Map<String, Object> config = map(filter.get("typed_config"));
          String type = String.valueOf(config.get("@type"));
          if (type.endsWith(".HttpConnectionManager")) {
            if (tls != null && !tls.alpn().isEmpty() && !tls.alpn().contains("http/1.1")) {
              notProbed.add(name + ": a chain that offers only " + tls.alpn() + " (no HTTP/1.1)");
              continue;
            }
            probes.addAll(httpProbes(name, config, tls, originalDst, notProbed));
          } else if (type.endsWith(".TcpProxy")) {
            probes.add(new Probe(name, Kind.TCP, "census.example", "/", Map.of(), tls));
          }
        }
      }
    }
    return new Plan(probes, notProbed);
  }

  private static boolean isUdp(Map<String, Object> listener) {
    Map<String, Object> socket = map(map(listener.get("address")).get("socket_address"));
    return "UDP".equalsIgnoreCase(String.valueOf(socket.get("protocol")));
  }

  /** Every value of a {@code cluster} key under {@code node}. */
  private static void clusterNamesIn(Object node, Set<String> into) {
    if (node instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if ("cluster".equals(k) && v instanceof String s) {
              into.add(s);
            }
            clusterNamesIn(v, into);
          });
    } else if (node instanceof List<?> l) {
      l.forEach(item -> clusterNamesIn(item, into));
    }
  }

  /** Whether a client reaching this chain speaks TLS: it terminates TLS or matches on it. */
  private static boolean clientSpeaksTls(Map<String, Object> chain) {
    Map<String, Object> match = map(chain.get("filter_chain_match"));
    return chain.containsKey("transport_socket")
        || !listOf(match.get("server_names")).isEmpty()
        || "tls".equals(match.get("transport_protocol"));
  }

  /**
   * The client side of a chain a TLS client reaches ({@code null} for a plain one): SNI from its
   * {@code server_names}, the ALPN it matches on or advertises (HTTP/1.1 where it lists it), and a
   * certificate from the sandbox's CA where it requires one.
   *
   * @throws IllegalStateException when it requires a client certificate the sandbox cannot sign
   */
  static ClientTls clientTls(Map<String, Object> chain, CensusSandbox.Prepared sandbox) {
    if (!clientSpeaksTls(chain)) {
      return null;
    }
    Map<String, Object> match = map(chain.get("filter_chain_match"));
    List<Object> serverNames = listOf(match.get("server_names"));
    String sni = serverNames.isEmpty() ? null : hostFor(String.valueOf(serverNames.get(0)));
    Map<String, Object> tls = map(map(chain.get("transport_socket")).get("typed_config"));
    List<String> offered = protocols(match.get("application_protocols"));
    if (offered.isEmpty()) {
      offered = protocols(map(tls.get("common_tls_context")).get("alpn_protocols"));
    }
    List<String> alpn = offered.contains("http/1.1") ? List.of("http/1.1") : offered;
    TestPki.Issued certificate = null;
    if (Boolean.TRUE.equals(tls.get("require_client_certificate"))) {
      Map<String, Object> validation = validationContext(tls);
      if (!trustsSandbox(validation, sandbox)) {
        throw new IllegalStateException(
            "requires a client certificate from a CA the sandbox does not provide");
      }
      List<String> dns = new ArrayList<>();
      List<String> uris = new ArrayList<>();
      if (!subjectAltNames(validation, dns, uris)) {
        throw new IllegalStateException(
            "requires a client certificate whose names the check cannot derive");
      }
      certificate = sandbox.ca().issue("census-client", uris, dns);
    }
    return new ClientTls(sni, alpn, certificate);
  }

  /** ALPN protocols as a list, a comma-separated string split (as Envoy reads it). */
  private static List<String> protocols(Object value) {
    List<String> out = new ArrayList<>();
    for (Object item : listOf(value)) {
      for (String p : String.valueOf(item).split(",")) {
        if (!p.isBlank()) {
          out.add(p.strip());
        }
      }
    }
    return out;
  }

  private static Map<String, Object> validationContext(Map<String, Object> tls) {
    Map<String, Object> common = map(tls.get("common_tls_context"));
    if (common.containsKey("validation_context")) {
      return map(common.get("validation_context"));
    }
    return map(map(common.get("combined_validation_context")).get("default_validation_context"));
  }

  /** Whether {@code validation} trusts the CA the sandbox generated its {@code trusted_ca} from. */
  private static boolean trustsSandbox(
      Map<String, Object> validation, CensusSandbox.Prepared sandbox) {
    Object file = map(validation.get("trusted_ca")).get("filename");
    return file instanceof String f && sandbox.generated().contains(f);
  }

  /**
   * Adds to {@code dns} and {@code uris} a name each SAN matcher of {@code validation} accepts;
   * false when one cannot be derived (Envoy accepts a certificate that matches any one).
   */
  private static boolean subjectAltNames(
      Map<String, Object> validation, List<String> dns, List<String> uris) {
    List<Map<String, Object>> typed = list(validation.get("match_typed_subject_alt_names"));
    List<Map<String, Object>> plain = list(validation.get("match_subject_alt_names"));
    if (typed.isEmpty() && plain.isEmpty()) {
      return true;
    }
    for (Map<String, Object> san : typed) {
      String value = stringMatchSample(map(san.get("matcher")));
      String kind = String.valueOf(san.get("san_type"));
      if (value != null && kind.equals("DNS")) {
        dns.add(value);
        return true;
      }
      if (value != null && kind.equals("URI")) {
        uris.add(value);
        return true;
      }
    }
    for (Map<String, Object> matcher : plain) {
      String value = stringMatchSample(matcher);
      if (value != null) {
        dns.add(value);
        return true;
      }
    }
    return false;
  }

  /**
   * The local upstream for {@code cluster}: a UDP echo, or an HTTP/1.1 or HTTP/2 server (TLS where
   * the cluster's transport socket is TLS or a passthrough client's TLS reaches it).
   */
  private static LocalUpstream upstreamFor(
      String name,
      Map<String, Object> cluster,
      boolean udp,
      boolean passthrough,
      CensusSandbox.Prepared sandbox)
      throws Exception {
    if (udp) {
      return new LocalUpstream(name, null, new UdpEchoServer("cluster " + name + " answered "));
    }
    boolean http2 = speaksHttp2(cluster);
    java.util.function.Function<TestHttpServer.Received, TestHttpServer.Reply> handler =
        r -> reply(name, r);
    Map<String, Object> transport = map(cluster.get("transport_socket"));
    if (!cluster.containsKey("transport_socket") && !passthrough) {
      return new LocalUpstream(
          name, http2 ? TestHttpServer.http2(handler) : TestHttpServer.http1(handler), null);
    }
    Map<String, Object> tls = map(transport.get("typed_config"));
    TestPki.Issued certificate = upstreamCertificate(name, tls, sandbox);
    SslContext context =
        SslContextBuilder.forServer(certificate.key(), certificate.certificate())
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    http2 ? "h2" : "http/1.1"))
            .build();
    return new LocalUpstream(name, TestHttpServer.https(context, http2, handler), null);
  }

  /**
   * A certificate the cluster accepts: signed by the sandbox's CA when the cluster trusts it, with
   * the cluster's SNI and a name its SAN matchers accept; otherwise from a CA of its own, which a
   * validating cluster refuses as Envoy's would (a self-signed certificate in effect).
   */
  private static TestPki.Issued upstreamCertificate(
      String name, Map<String, Object> tls, CensusSandbox.Prepared sandbox) {
    Map<String, Object> validation = validationContext(tls);
    List<String> dns = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    if (tls.get("sni") instanceof String sni && !sni.isBlank()) {
      dns.add(sni);
    }
    subjectAltNames(validation, dns, uris);
    TestPki.Ca ca =
        trustsSandbox(validation, sandbox) ? sandbox.ca() : TestPki.newCa("census upstream CA");
    return ca.issue("census-upstream-" + name, uris, dns);
  }

  /** Relative file names the sandbox generated, made absolute so both proxies find them. */
  private static void absolutise(Object node, Path sandboxDir, Set<String> generated) {
    if (node instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> entries = (Map<String, Object>) m;
      for (Map.Entry<String, Object> e : entries.entrySet()) {
        if ("filename".equals(e.getKey())
            && e.getValue() instanceof String f
            && generated.contains(f)) {
          e.setValue(sandboxDir.resolve(f).toString());
        } else {
          absolutise(e.getValue(), sandboxDir, generated);
        }
      }
    } else if (node instanceof List<?> l) {
      l.forEach(item -> absolutise(item, sandboxDir, generated));
    }
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

  /**
   * One probe per route whose match a request can be derived for (paths, regexes, header and query
   * matchers, gRPC); the rest go to {@code notProbed}. A route to an {@code ORIGINAL_DST} cluster
   * carries the header naming its local upstream.
   */
  private static List<Probe> httpProbes(
      String listener,
      Map<String, Object> hcm,
      ClientTls tls,
      Map<String, Map.Entry<String, String>> originalDst,
      List<String> notProbed) {
    List<Probe> probes = new ArrayList<>();
    Map<String, Object> routeConfig = map(hcm.get("route_config"));
    for (Map<String, Object> vhost : list(routeConfig.get("virtual_hosts"))) {
      List<Object> domains = listOf(vhost.get("domains"));
      String host = domains.isEmpty() ? "census.example" : hostFor(String.valueOf(domains.get(0)));
      for (Map<String, Object> route : list(vhost.get("routes"))) {
        Map<String, Object> match = map(route.get("match"));
        String path = pathFor(match);
        Map<String, String> headers = headersFor(match);
        String query = queryFor(match);
        boolean derivable =
            Set.of(
                    "prefix",
                    "path",
                    "path_separated_prefix",
                    "safe_regex",
                    "headers",
                    "query_parameters",
                    "case_sensitive",
                    "grpc")
                .containsAll(match.keySet());
        if (path == null || headers == null || query == null || !derivable) {
          notProbed.add(listener + ": a route matching " + match.keySet());
          continue;
        }
        if (match.containsKey("grpc")) {
          headers.put("content-type", "application/grpc");
        }
        Map.Entry<String, String> destination =
            originalDst.get(String.valueOf(map(route.get("route")).get("cluster")));
        if (destination != null) {
          headers.put(destination.getKey(), destination.getValue());
        }
        probes.add(
            new Probe(
                listener,
                Kind.HTTP,
                host,
                path + query,
                headers,
                tls,
                mirrorsOf(map(route.get("route")))));
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

  /** A path the match accepts (a regex's sample), or {@code null} when none can be derived. */
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
    if (match.containsKey("safe_regex")) {
      String sample = RegexSample.of(String.valueOf(map(match.get("safe_regex")).get("regex")));
      return sample != null && sample.startsWith("/") && requestTargetSafe(sample) ? sample : null;
    }
    return null;
  }

  /** Headers the match requires, each with a value it accepts; {@code null} when one has none. */
  static Map<String, String> headersFor(Map<String, Object> match) {
    Map<String, String> headers = new TreeMap<>();
    for (Map<String, Object> h : list(match.get("headers"))) {
      String name = String.valueOf(h.get("name"));
      if (name.startsWith(":") || Boolean.TRUE.equals(h.get("invert_match"))) {
        return null;
      }
      String value;
      if (h.containsKey("exact_match")) {
        value = String.valueOf(h.get("exact_match"));
      } else if (h.containsKey("string_match")) {
        value = stringMatchSample(map(h.get("string_match")));
      } else if (h.containsKey("present_match")) {
        if (!Boolean.TRUE.equals(h.get("present_match"))) {
          continue; // matches when absent
        }
        value = "present";
      } else if (h.containsKey("prefix_match")) {
        value = h.get("prefix_match") + "census";
      } else if (h.containsKey("suffix_match")) {
        value = "census" + h.get("suffix_match");
      } else if (h.containsKey("contains_match")) {
        value = "census" + h.get("contains_match") + "census";
      } else if (h.containsKey("safe_regex_match")) {
        value = RegexSample.of(String.valueOf(map(h.get("safe_regex_match")).get("regex")));
      } else if (h.containsKey("range_match")) {
        value = String.valueOf(map(h.get("range_match")).getOrDefault("start", 0));
      } else {
        return null;
      }
      if (value == null || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        return null;
      }
      headers.put(name, value);
    }
    return headers;
  }

  /** The query ({@code ?a=b&...}, or empty) the match's parameters accept, or {@code null}. */
  static String queryFor(Map<String, Object> match) {
    StringBuilder query = new StringBuilder();
    for (Map<String, Object> q : list(match.get("query_parameters"))) {
      String value =
          q.containsKey("string_match")
              ? stringMatchSample(map(q.get("string_match")))
              : Boolean.FALSE.equals(q.get("present_match")) ? null : "census";
      String name = String.valueOf(q.get("name"));
      if (value == null || !requestTargetSafe(name + value) || (name + value).contains("&")) {
        return null;
      }
      query.append(query.isEmpty() ? "?" : "&").append(name).append('=').append(value);
    }
    return query.toString();
  }

  /** A string a {@code StringMatcher} accepts, or {@code null}. */
  static String stringMatchSample(Map<String, Object> matcher) {
    if (matcher.containsKey("exact")) {
      return String.valueOf(matcher.get("exact"));
    }
    if (matcher.containsKey("prefix")) {
      return matcher.get("prefix") + "census";
    }
    if (matcher.containsKey("suffix")) {
      return "census" + matcher.get("suffix");
    }
    if (matcher.containsKey("contains")) {
      return "census" + matcher.get("contains") + "census";
    }
    if (matcher.containsKey("safe_regex")) {
      return RegexSample.of(String.valueOf(map(matcher.get("safe_regex")).get("regex")));
    }
    return null;
  }

  /**
   * The clusters a route always mirrors to ({@code request_mirror_policies} without a {@code
   * runtime_fraction}): their shadows are fire and forget, so the check waits for them before it
   * reads what the upstreams saw.
   */
  private static List<String> mirrorsOf(Map<String, Object> action) {
    List<String> clusters = new ArrayList<>();
    for (Map<String, Object> policy : list(action.get("request_mirror_policies"))) {
      if (!policy.containsKey("runtime_fraction") && policy.get("cluster") != null) {
        clusters.add(String.valueOf(policy.get("cluster")));
      }
    }
    return clusters;
  }

  /**
   * Waits (bounded by {@link #SETTLE}) until every cluster the probe's route mirrors to has
   * received the probe; a mirror that never arrives is compared as missing.
   */
  private static void awaitMirrors(Probe probe, String id, List<LocalUpstream> upstreams) {
    for (String mirror : probe.mirrors()) {
      for (LocalUpstream upstream : upstreams) {
        if (!upstream.cluster().equals(mirror) || upstream.http() == null) {
          continue;
        }
        try {
          org.awaitility.Awaitility.await()
              .atMost(SETTLE)
              .until(
                  () ->
                      upstream.http().received().stream()
                          .anyMatch(r -> id.equals(r.headers().get(PROBE_HEADER))));
        } catch (org.awaitility.core.ConditionTimeoutException compareAnyway) {
          // a mirror that never came is a difference the comparison reports
        }
      }
    }
  }

  /** Only characters a request line carries as they are (no percent-encoding to disagree on). */
  private static boolean requestTargetSafe(String s) {
    return s.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '#' && c != '%');
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
      ProxyPair.Side side, Probe probe, String id, List<LocalUpstream> upstreams) throws Exception {
    int port = side.port(probe.listener());
    int status = 0;
    Map<String, String> headers = new TreeMap<>();
    String body;
    if (probe.kind() == Kind.UDP) {
      body = datagram(port, "census probe " + id);
    } else {
      StringBuilder request = new StringBuilder();
      request.append("GET ").append(probe.path()).append(" HTTP/1.1\r\n");
      request.append("host: ").append(probe.host()).append("\r\n");
      probe.headers().forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      request.append(PROBE_HEADER).append(": ").append(id).append("\r\n");
      request.append("connection: close\r\n\r\n");
      String raw = exchange(port, probe.tls(), request.toString());
      int headerEnd = raw.indexOf("\r\n\r\n");
      body = raw;
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
    }
    awaitMirrors(probe, id, upstreams);
    // Every upstream request carrying this probe's id: the routed one, and mirrors.
    List<String> reached = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    Map<String, String> upstreamHeaders = new TreeMap<>();
    for (LocalUpstream upstream : upstreams) {
      String cluster = upstream.cluster();
      if (upstream.udp() != null) {
        for (String payload : upstream.udp().payloads()) {
          if (payload.contains(id)) {
            reached.add(cluster);
            requests.add(cluster + ": datagram " + payload.replace(id, "<probe>"));
          }
        }
        continue;
      }
      for (TestHttpServer.Received r : upstream.http().received()) {
        if (id.equals(r.headers().get(PROBE_HEADER))) {
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

  private static String exchange(int port, ClientTls tls, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      Socket channel = socket;
      if (tls != null) {
        try {
          channel = handshake(socket, port, tls);
        } catch (javax.net.ssl.SSLException | java.net.SocketException refused) {
          return "(TLS handshake failed)";
        }
      }
      OutputStream out = channel.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = channel.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException | javax.net.ssl.SSLException e) {
        // what arrived before the timeout or the reset is the observation
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * TLS over {@code socket} as {@code tls} says, trusting whatever certificate the proxy serves
   * (the check compares behaviour, not PKI).
   */
  private static Socket handshake(Socket socket, int port, ClientTls tls) throws IOException {
    try {
      javax.net.ssl.KeyManager[] keys = null;
      if (tls.certificate() != null) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "census".toCharArray();
        store.setKeyEntry(
            "client",
            tls.certificate().key(),
            password,
            new java.security.cert.Certificate[] {tls.certificate().certificate()});
        KeyManagerFactory factory =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        keys = factory.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
      SSLSocket ssl =
          (SSLSocket) context.getSocketFactory().createSocket(socket, "127.0.0.1", port, false);
      SSLParameters parameters = ssl.getSSLParameters();
      if (tls.sni() != null) {
        parameters.setServerNames(List.of(new SNIHostName(tls.sni())));
      }
      if (!tls.alpn().isEmpty()) {
        parameters.setApplicationProtocols(tls.alpn().toArray(String[]::new));
      }
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      return ssl;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One datagram to the listener and its answer, or "(no answer)" within the read timeout. */
  private static String datagram(int port, String payload) throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      socket.setSoTimeout(UDP_ANSWER_MILLIS);
      byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
      socket.send(
          new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", port)));
      DatagramPacket answer = new DatagramPacket(new byte[65536], 65536);
      try {
        socket.receive(answer);
      } catch (SocketTimeoutException none) {
        return "(no answer)";
      }
      return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
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

  /** Clusters with a static host list: an {@code ORIGINAL_DST} one has hosts only once used. */
  private static List<String> clustersWithHosts(Map<String, Object> bootstrap) {
    return list(map(bootstrap.get("static_resources")).get("clusters")).stream()
        .filter(c -> !type(c).equals("ORIGINAL_DST"))
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
