package io.attache.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.netns.NetworkNamespace;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache up}: the whole story on one machine. Starts the packaged control plane, the demo
 * apps and a packaged Attaché proxy beside each app (bootstraps in {@code deploy/examples/up/});
 * registers the services and issues each workload identity a bootstrap token through the REST API
 * (each proxy runs a copy of its bootstrap with the token, see {@link TokenBootstrap}); sends
 * traffic with no policy, then applies the company-wide defaults — resilience and mesh-wide STRICT
 * mutual TLS — with one {@code PUT /api/v1/defaults} and sends the same traffic again; prints what
 * changed and what to look at. Users enter the mesh through web's proxy (its outbound listener,
 * with {@code Host: web}), as through an ingress gateway: under STRICT every inbound listener
 * accepts only mesh peers with a client certificate. Ctrl-C stops everything. With {@code --once}
 * it checks what it printed and exits (0 when every check held) — the demo's own integration test
 * runs that.
 */
@Command(
    name = "attache up",
    mixinStandardHelpOptions = true,
    versionProvider = MeshDemo.Version.class,
    description = "Run the demo mesh: control plane, demo services, an Attaché proxy beside each.")
public final class MeshDemo implements Callable<Integer> {

  /** Defaults with no resilience at all: what a mesh looks like before the platform team acts. */
  static final String NO_POLICY =
      "{\"retry\": {\"num_retries\": 0}, \"request_id\": {\"generate_request_id\": true}}";

  /**
   * The company-wide policy of the product brief: retry 503s with full-jitter back-off (idempotent
   * requests only), eject a host after 5 consecutive failures, a request id on every call, and
   * mutual TLS with CA-issued workload certificates between every pair of proxies.
   */
  static final String COMPANY_POLICY =
      """
      {"retry": {"retry_on": ["connect-failure", "refused-stream", "reset", "retriable-status-codes"],
                 "retriable_status_codes": [503], "num_retries": 2,
                 "backoff_base_interval": "0.025s", "backoff_max_interval": "0.250s",
                 "idempotency": "IDEMPOTENT_ONLY",
                 "idempotent_methods": ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"],
                 "idempotency_key_header": "idempotency-key"},
       "breaker": {"consecutive_failures": 5, "window": "10s", "sleep_window": "30s",
                   "max_ejection_percent": 50},
       "request_id": {"generate_request_id": true, "always_set_request_id_in_response": true},
       "connect_timeout": "1s", "route_timeout": "15s",
       "mtls": {"mode": "STRICT"},
       "identity_token": {"enabled": true}}
      """;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] XDS_TYPES = {
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
  };
  private static final String ROUTES = XDS_TYPES[1];
  private static final long STARTUP_TIMEOUT_NANOS = 90_000_000_000L;
  private static final long PUSH_TIMEOUT_NANOS = 30_000_000_000L;
  private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;
  private static final String TRUST_DOMAIN = "spiffe://attache.local/ns/default/sa/";

  @Option(names = "--root", description = "The Attaché checkout (default: ${DEFAULT-VALUE}).")
  Path root = Path.of(".");

  @Option(names = "--proxy-jar", required = true, description = "The packaged proxy.")
  Path proxyJar;

  @Option(names = "--control-plane-jar", required = true, description = "The control plane.")
  Path controlPlaneJar;

  @Option(
      names = "--requests",
      description = "Requests per traffic round (default: ${DEFAULT-VALUE}).")
  int requests = 40;

  @Option(names = "--once", description = "Check the outcome, stop everything and exit.")
  boolean once;

  @Option(
      names = "--port-base",
      description =
          "N: move every port the demo binds by N - 15000 (default 15000: REST :18080, xDS"
              + " :18000, proxies :15100-15406, apps :9101-9104), to run beside something that"
              + " holds those; auto: the first base from 20000 up, in steps of 1000, whose ports"
              + " are all free.")
  String portBaseOption = Integer.toString(DEFAULT_PORT_BASE);

  private int portBase = DEFAULT_PORT_BASE;

  static final int DEFAULT_PORT_BASE = 15000;

  @Option(
      names = "--with-envoy",
      description =
          "Run orders behind a stock Envoy sidecar instead of an Attaché proxy: a mixed mesh"
              + " from one control plane, mTLS between all (needs --envoy-binary; ./attache up"
              + " --with-envoy installs the pinned Envoy and passes it).")
  boolean withEnvoy;

  @Option(names = "--envoy-binary", description = "The stock Envoy binary for --with-envoy.")
  Path envoyBinary;

  /** The service whose sidecar is a stock Envoy under --with-envoy: the middle hop, both ways. */
  static final String ENVOY_SERVICE = "orders";

  @Option(
      names = "--external-apps",
      split = ",",
      paramLabel = "WORKLOAD",
      description =
          "Start no demo app for these workloads (e.g. payments-1,payments-2): something else"
              + " already serves on their app ports — a test that observes what the apps receive."
              + " Their proxies start as usual.")
  List<String> externalApps = List.of();

  @Option(
      names = "--transparent",
      description =
          "Run orders in its own network namespace behind ./attache iptables: its app calls"
              + " payments at a plain address (http://"
              + TransparentOrders.PAYMENTS_ADDRESS
              + ":8080), intercepted by its sidecar. Needs root.")
  boolean transparent;

  @Option(
      names = "--proxy-java-opts",
      description = "JVM options for each proxy (default: the launcher's sidecar options).")
  String proxyJavaOptions = System.getenv().getOrDefault("ATTACHE_PROXY_JAVA_OPTS", "");

  private final PrintStream out;
  private final Http http = new Http();
  private Http rest = http;
  private final List<DemoService> apps = new ArrayList<>();
  private final List<ChildProcess> proxies = new ArrayList<>();
  private final List<ChildProcess> namespacedApps = new ArrayList<>();
  private final List<String> failedChecks = new ArrayList<>();
  private ChildProcess controlPlane;
  private TransparentOrders transparentOrders;

  MeshDemo(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MeshDemo(System.out)).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (portBaseOption.equals("auto")) {
      Optional<Integer> free = freePortBase();
      if (free.isEmpty()) {
        System.err.println("attache up: no port base from 20000 to 60000 has all its ports free");
        return 1;
      }
      portBase = free.get();
    } else {
      try {
        portBase = Integer.parseInt(portBaseOption);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--port-base must be a number or auto");
      }
      int lowest = DemoTopology.allPorts().stream().min(Integer::compare).orElseThrow();
      int highest = DemoTopology.allPorts().stream().max(Integer::compare).orElseThrow();
      if (lowest + shift() < 1024 || highest + shift() > 65535) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--port-base "
                + portBase
                + " puts demo ports outside 1024-65535; use "
                + (DEFAULT_PORT_BASE - lowest + 1024)
                + " to "
                + (DEFAULT_PORT_BASE + 65535 - highest));
      }
    }
    if (withEnvoy && (envoyBinary == null || !Files.isExecutable(envoyBinary))) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--with-envoy needs --envoy-binary naming a stock Envoy (./attache up --with-envoy"
              + " installs one with interop/envoy/install.sh)");
    }
    if (transparent && !NetworkNamespace.runningAsRoot()) {
      System.err.println(
          "attache up --transparent: needs root — it creates network namespaces and installs"
              + " iptables rules in them. Run: sudo ./attache up --transparent");
      return 1;
    }
    if (transparent && withEnvoy) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--transparent and --with-envoy both change orders' sidecar; choose one");
    }
    if (transparent && externalApps.contains(TransparentOrders.SERVICE)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--transparent runs orders' app in its namespace itself");
    }
    for (String name : externalApps) {
      if (DemoTopology.WORKLOADS.stream().noneMatch(w -> w.name().equals(name))) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--external-apps: no demo workload is called " + name);
      }
    }
    Optional<String> busy = busyPort();
    if (busy.isPresent()) {
      System.err.println("attache up: " + busy.get());
      return 1;
    }
    Path runDir = Files.createTempDirectory("attache-up-");
    if (transparent) {
      // orders' sidecar runs as its own uid and reads its bootstrap from here
      Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx--x--x"));
    }
    Path logs = Files.createDirectories(runDir.resolve("logs"));
    Thread stopper = new Thread(this::stopAll, "attache-up-stop");
    Runtime.getRuntime().addShutdownHook(stopper);

    out.println("Attaché demo mesh — logs in " + logs);
    AdminTokens tokens = AdminTokens.write(runDir);
    rest = new Http(tokens.admin());
    startControlPlane(runDir, logs, tokens.file());
    String api = "http://127.0.0.1:" + restPort();
    out.printf(
        "   web console    %s/ui/   admin token %s   read-only token %s%n",
        api, tokens.admin(), tokens.readOnly());
    out.println(
        "   The control plane starts with built-in mesh defaults (retries, a breaker, request ids);");
    out.println(
        "   the demo first replaces them with no policy at all, to show what the policy changes.");
    expect(rest.put(api + "/api/v1/defaults", NO_POLICY), "PUT /api/v1/defaults (no policy)");
    registerServices(api);
    startWorkloads(api, runDir, logs);
    awaitConverged(api, Map.of());
    out.println();
    out.println("1. No policy yet: the apps call each other through their proxies.");
    Round before = sendTraffic();
    out.println("   " + before.summary());

    out.println();
    out.println("2. One call applies the company policy to every proxy:");
    out.println(
        "   PUT /api/v1/defaults  retry 503 ×2 (full-jitter back-off 25–250 ms, idempotent");
    out.println("   requests only), eject a host after 5 consecutive failures, request id always,");
    out.println("   mutual TLS between every pair of proxies (STRICT, certificates over SDS),");
    out.println("   a signed caller identity token (JWT-SVID) on every call between proxies");
    Map<String, String> routeVersions = routeVersions(api);
    long putAt = System.nanoTime();
    expect(rest.put(api + "/api/v1/defaults", COMPANY_POLICY), "PUT /api/v1/defaults");
    awaitConverged(api, routeVersions);
    awaitMutualTls();
    out.printf(
        "   acknowledged by all %d proxies in %d ms%n",
        proxies.size(), (System.nanoTime() - putAt) / 1_000_000);
    Map<String, Long> statsBefore = proxyStats("orders");
    Round after = sendTraffic();
    Map<String, Long> statsAfter = proxyStats("orders");
    long paymentsHandshakes =
        listenerHandshakes(proxyStats("payments-1")) + listenerHandshakes(proxyStats("payments-2"));
    out.println();
    out.println("3. The same traffic, with the policy:");
    out.println("   " + after.summary());
    long retries = delta(statsBefore, statsAfter, "cluster.payments.upstream_rq_retry");
    long ejections =
        delta(
            statsBefore, statsAfter, "cluster.payments.outlier_detection.ejections_enforced_total");
    out.printf(
        "   orders' proxy retried %d calls to payments; it ejected the broken instance %d time(s)%n",
        retries, ejections);
    out.printf(
        "   one x-request-id at every hop: %s%n", after.requestIdsConsistent() ? "yes" : "no");
    out.printf(
        "   calls between proxies are mTLS: payments' proxies completed %d TLS handshakes;%n",
        paymentsHandshakes);
    out.printf(
        "   orders saw callers %s, payments saw callers %s (x-forwarded-client-cert)%n",
        after.ordersCallers(), after.paymentsCallers());
    out.printf(
        "   orders saw verified callers %s, payments saw verified callers %s"
            + " (x-attache-caller, from the caller's identity token)%n",
        after.ordersTokenCallers(), after.paymentsTokenCallers());

    check(before.failures() > 0, "without policy, the broken payments instance reaches the user");
    check(after.failures() == 0, "with the policy, every request succeeds: " + after.summary());
    check(retries > 0, "orders' proxy retried calls to payments");
    check(ejections > 0, "orders' proxy ejected payments-2 (5 consecutive failures)");
    check(after.requestIdsConsistent(), "every hop saw the same x-request-id");
    check(
        before.paymentsCallers().equals(java.util.Set.of("")),
        "without mTLS, payments saw no proved caller: " + before.paymentsCallers());
    check(paymentsHandshakes > 0, "payments' inbound listeners terminated TLS");
    check(
        plaintextRefused(workload("payments-1").inboundPort()),
        "a plaintext call straight to payments-1's inbound listener is refused");
    check(
        after.paymentsCallers().equals(java.util.Set.of(TRUST_DOMAIN + "orders")),
        "with mTLS, payments saw orders' SPIFFE ID and only it: " + after.paymentsCallers());
    check(
        after.ordersCallers().equals(java.util.Set.of(TRUST_DOMAIN + "web")),
        "with mTLS, orders saw web's SPIFFE ID and only it: " + after.ordersCallers());
    // A stock Envoy cannot mint identity tokens: under --with-envoy orders' calls carry none, and
    // payments' sidecar lets a call without a token through with no verified caller.
    String ordersToken = withEnvoy ? "" : TRUST_DOMAIN + "orders";
    check(
        before.paymentsTokenCallers().equals(java.util.Set.of("")),
        "without identity tokens, payments saw no verified caller: "
            + before.paymentsTokenCallers());
    check(
        after.paymentsTokenCallers().equals(java.util.Set.of(ordersToken)),
        "with identity tokens, payments saw \""
            + ordersToken
            + "\" verified and only it: "
            + after.paymentsTokenCallers());
    check(
        after.ordersTokenCallers().equals(java.util.Set.of(TRUST_DOMAIN + "web")),
        "with identity tokens, orders saw web's verified SPIFFE ID and only it: "
            + after.ordersTokenCallers());
    checkProxiesAcked(api);
    if (transparent) {
      Workload orders = workload(TransparentOrders.SERVICE);
      long intercepted =
          statsAfter.getOrDefault(
              "listener.127.0.0.1_" + orders.outboundPort() + ".downstream_cx_total", 0L);
      out.printf(
          "   transparent: orders' app called http://%s:%d with no proxy in its config;"
              + " iptables handed %d of its connections to its sidecar%n",
          TransparentOrders.PAYMENTS_ADDRESS, TransparentOrders.PAYMENTS_PORT, intercepted);
      check(
          intercepted > 0,
          "orders' app's connections to payments' plain address reached its sidecar");
    }
    if (withEnvoy) {
      JsonNode orders = proxyStatus(api).get(workload(ENVOY_SERVICE).nodeId());
      String agent =
          orders == null
              ? "not connected"
              : orders.path("user_agent").asText() + " " + orders.path("version").asText();
      out.printf(
          "   mixed mesh: orders' sidecar is %s; the retries, the ejection and the mTLS hops"
              + " above went through it%n",
          agent);
      check(
          agent.startsWith("envoy "),
          "orders' sidecar is a stock Envoy fed by the same control plane: " + agent);
    }

    if (!once) {
      printWhereToLook(tokens);
    }
    if (once) {
      stopAll();
      Runtime.getRuntime().removeShutdownHook(stopper);
      if (failedChecks.isEmpty()) {
        out.println("All checks passed.");
        return 0;
      }
      failedChecks.forEach(f -> out.println("CHECK FAILED: " + f));
      return 1;
    }
    out.println();
    out.println("Running. Ctrl-C stops everything (this demo's processes only).");
    new CountDownLatch(1).await();
    return 0;
  }

  /** The first port the demo needs that something holds, said with what holds it. */
  private Optional<String> busyPort() {
    List<Integer> external = externalApps.stream().map(name -> workload(name).appPort()).toList();
    for (int port : allPorts()) {
      if (external.contains(port)) {
        continue; // served by whoever runs that app
      }
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      } catch (IOException taken) {
        return Optional.of(
            "port "
                + port
                + " on 127.0.0.1 is in use"
                + PortHolder.describe(port).map(h -> " by " + h).orElse("")
                + ". Stop it (another ./attache up? Ctrl-C in its terminal), or move every demo"
                + " port: ./attache up --port-base auto (or a number, e.g. "
                + (portBase + 10000)
                + ")");
      }
    }
    return Optional.empty();
  }

  private Optional<Integer> freePortBase() {
    for (int base = 20000; base <= 60000; base += 1000) {
      portBase = base;
      if (busyPort().isEmpty()) {
        return Optional.of(base);
      }
    }
    return Optional.empty();
  }

  private int shift() {
    return portBase - DEFAULT_PORT_BASE;
  }

  int restPort() {
    return DemoTopology.REST_PORT + shift();
  }

  int xdsPort() {
    return DemoTopology.XDS_PORT + shift();
  }

  Workload workload(String name) {
    return DemoTopology.workload(name).shifted(shift());
  }

  List<Workload> workloads() {
    return DemoTopology.WORKLOADS.stream().map(w -> w.shifted(shift())).toList();
  }

  List<Integer> allPorts() {
    return DemoTopology.allPorts().stream().map(p -> p + shift()).toList();
  }

  private void startControlPlane(Path runDir, Path logs, Path tokenFile) throws IOException {
    controlPlane =
        ChildProcess.start(
            "control-plane",
            controlPlaneJar,
            List.of("-Xmx256m"),
            List.of(
                "--data-dir",
                runDir.resolve("data").toString(),
                "--http-host",
                "127.0.0.1",
                "--http-port",
                Integer.toString(restPort()),
                "--xds-host",
                "127.0.0.1",
                "--xds-port",
                Integer.toString(xdsPort()),
                "--push-quiet-period",
                "50ms",
                "--admin-token-file",
                tokenFile.toString()),
            logs.resolve("control-plane.log"));
    String health = "http://127.0.0.1:" + restPort() + "/healthz";
    awaitTrue("the control plane's /healthz", STARTUP_TIMEOUT_NANOS, () -> ok(health));
    out.printf(
        "   control plane  REST http://127.0.0.1:%d  xDS 127.0.0.1:%d  (pid %d)%n",
        restPort(), xdsPort(), controlPlane.pid());
  }

  /** Each service's endpoints are its instances' proxies' inbound listeners: proxy to proxy. */
  private void registerServices(String api) throws IOException {
    for (Map.Entry<String, List<Workload>> service : DemoTopology.services().entrySet()) {
      StringBuilder endpoints = new StringBuilder();
      for (Workload unshifted : service.getValue()) {
        Workload instance = unshifted.shifted(shift());
        if (endpoints.length() > 0) {
          endpoints.append(", ");
        }
        endpoints.append("{\"address\": \"127.0.0.1\", \"port\": " + instance.inboundPort() + "}");
      }
      boolean virtualAddress =
          transparent
              && service.getKey().equals(DemoTopology.NEXT_HOP.get(TransparentOrders.SERVICE));
      String body =
          "{\"name\": \""
              + service.getKey()
              + "\", \"port\": "
              + (virtualAddress ? TransparentOrders.PAYMENTS_PORT : 80)
              + (virtualAddress
                  ? ", \"addresses\": [\"" + TransparentOrders.PAYMENTS_ADDRESS + "\"]"
                  : "")
              + ", \"endpoints\": ["
              + endpoints
              + "]}";
      expect(
          rest.put(api + "/api/v1/services/" + service.getKey(), body),
          "PUT /api/v1/services/" + service.getKey());
    }
  }

  /**
   * Starts each app and its proxy. The proxy runs a copy of its committed bootstrap with a token
   * for its identity ({@code spiffe://attache.local/ns/default/sa/<service>}), issued here through
   * REST — one per service, shared by its instances — so that it proves who it is on its ADS stream
   * and may receive that identity's certificate. The xDS stream is plaintext on loopback here; off
   * one machine, use {@code --xds-tls} so the token does not travel in clear.
   */
  private void startWorkloads(String api, Path runDir, Path logs) throws IOException {
    List<String> javaOptions =
        proxyJavaOptions.isBlank()
            ? List.of()
            : Arrays.asList(proxyJavaOptions.trim().split("\\s+"));
    Path bootstraps = Files.createDirectories(runDir.resolve("bootstraps"));
    if (transparent) {
      Files.setPosixFilePermissions(bootstraps, PosixFilePermissions.fromString("rwx--x--x"));
      transparentOrders = TransparentOrders.create(portBase, runDir);
      transparentOrders.bridge(
          workload(TransparentOrders.SERVICE),
          xdsPort(),
          restPort(),
          workloads().stream()
              .filter(w -> w.service().equals(DemoTopology.NEXT_HOP.get(TransparentOrders.SERVICE)))
              .toList());
      out.printf(
          "   network namespace %s: orders' app and its sidecar behind ./attache iptables%n",
          transparentOrders.namespace());
    }
    Map<String, String> tokens = new TreeMap<>();
    for (String service : DemoTopology.services().keySet()) {
      String path = "/api/v1/identities/default/" + service + "/tokens";
      Http.Reply issued = rest.post(api + path);
      expect(issued, "POST " + path);
      tokens.put(service, JSON.readTree(issued.body()).path("token").asText());
    }
    for (Workload workload : workloads()) {
      Path bootstrap =
          TokenBootstrap.write(
              workload.bootstrap(root),
              tokens.get(workload.service()),
              bootstraps,
              DemoTopology.allPorts(),
              shift());
      if (transparent && workload.service().equals(TransparentOrders.SERVICE)) {
        startTransparentOrders(workload, TransparentOrders.transparentBootstrap(bootstrap), logs);
        continue;
      }
      if (!externalApps.contains(workload.name())) {
        DemoService app = new DemoService(workload);
        app.start();
        apps.add(app);
      }
      boolean envoy = withEnvoy && workload.service().equals(ENVOY_SERVICE);
      ChildProcess proxy =
          envoy
              ? ChildProcess.startBinary(
                  workload.name(),
                  List.of(
                      envoyBinary.toString(),
                      "-c",
                      bootstrap.toString(),
                      "--use-dynamic-base-id",
                      "--concurrency",
                      "1",
                      "--drain-time-s",
                      "1",
                      "-l",
                      "warning"),
                  logs.resolve(workload.name() + "-envoy.log"))
              : ChildProcess.start(
                  workload.name(),
                  proxyJar,
                  javaOptions,
                  List.of("-c", bootstrap.toString()),
                  logs.resolve(workload.name() + "-proxy.log"));
      proxies.add(proxy);
      out.printf(
          "   %-11s app :%d  %s (pid %d) admin :%d  outbound :%d  inbound :%d%n",
          workload.name(),
          workload.appPort(),
          envoy ? "stock Envoy" : "proxy",
          proxy.pid(),
          workload.adminPort(),
          workload.outboundPort(),
          workload.inboundPort());
    }
  }

  /**
   * orders under {@code --transparent}: its sidecar (over ADS, transparent layout), the iptables
   * rules, then its app — all in its namespace.
   */
  private void startTransparentOrders(Workload workload, Path bootstrap, Path logs)
      throws IOException {
    List<String> javaOptions =
        proxyJavaOptions.isBlank()
            ? List.of()
            : Arrays.asList(proxyJavaOptions.trim().split("\\s+"));
    ChildProcess proxy =
        transparentOrders.startProxy(
            workload,
            proxyJar,
            javaOptions,
            bootstrap,
            logs.resolve(workload.name() + "-proxy.log"));
    proxies.add(proxy);
    transparentOrders.intercept(workload, proxyJar);
    ChildProcess app =
        transparentOrders.startApp(workload, shift(), logs.resolve(workload.name() + "-app.log"));
    namespacedApps.add(app);
    out.printf(
        "   %-11s app :%d  proxy (pid %d) admin :%d  outbound :%d  inbound :%d  in netns %s,"
            + " intercepted%n",
        workload.name(),
        workload.appPort(),
        proxy.pid(),
        workload.adminPort(),
        workload.outboundPort(),
        workload.inboundPort(),
        transparentOrders.namespace());
  }

  /**
   * Waits until every demo proxy is connected and has acknowledged what it was last sent, for every
   * type — and, when {@code previousRoutes} is given, until its route version moved on from that.
   * Then until each app answers through its own proxy's inbound listener.
   */
  private void awaitConverged(String api, Map<String, String> previousRoutes) {
    awaitTrue(
        "every proxy to acknowledge its configuration",
        previousRoutes.isEmpty() ? STARTUP_TIMEOUT_NANOS : PUSH_TIMEOUT_NANOS,
        () -> {
          for (ChildProcess proxy : proxies) {
            if (!proxy.isAlive()) {
              throw new IllegalStateException(
                  "the " + proxy.name() + " proxy exited; see " + proxy.log());
            }
          }
          Map<String, JsonNode> status = proxyStatus(api);
          for (Workload workload : workloads()) {
            JsonNode node = status.get(workload.nodeId());
            if (node == null || !allAcked(node)) {
              return false;
            }
            String routes = node.path("types").path(ROUTES).path("last_acked_version").asText();
            if (routes.equals(previousRoutes.get(workload.nodeId()))) {
              return false;
            }
          }
          return true;
        });
    if (!previousRoutes.isEmpty()) {
      return; // the inbound listeners may require mTLS now; see awaitMutualTls
    }
    for (Workload workload : workloads()) {
      String url = "http://127.0.0.1:" + workload.inboundPort() + "/health";
      awaitTrue(workload.name() + " through its proxy", STARTUP_TIMEOUT_NANOS, () -> ok(url));
    }
  }

  /**
   * Waits until every proxy holds its certificate and the mesh root (SDS), then until each service
   * answers through web's proxy over mutual TLS: listeners and clusters that name secrets serve
   * only once the secrets arrived.
   */
  private void awaitMutualTls() {
    for (Workload workload : workloads()) {
      awaitTrue(
          workload.name() + "'s proxy to receive its certificate and the mesh root",
          PUSH_TIMEOUT_NANOS,
          () -> {
            Map<String, Long> stats = proxyStats(workload.name());
            return stats.getOrDefault("sds.default.update_success", 0L) > 0
                && stats.getOrDefault("sds.ROOTCA.update_success", 0L) > 0;
          });
      // A listener that names a secret (a certificate, the identity-token signing key) warms until
      // it arrives, and its predecessor keeps serving meanwhile (Envoy's listener warming), so an
      // ACK alone does not mean the new filters run yet. Both proxies count a held listener here
      // before they ACK it.
      awaitTrue(
          workload.name() + "'s proxy to finish warming its listeners",
          PUSH_TIMEOUT_NANOS,
          () ->
              proxyStats(workload.name())
                      .getOrDefault("listener_manager.total_listeners_warming", 0L)
                  == 0);
    }
    int edge = workload("web").outboundPort();
    for (String service : DemoTopology.services().keySet()) {
      awaitTrue(
          service + " over mutual TLS",
          PUSH_TIMEOUT_NANOS,
          () ->
              http.get("http://127.0.0.1:" + edge + "/health", Map.of("host", service)).status()
                  == 200);
    }
  }

  private static boolean allAcked(JsonNode proxy) {
    for (String type : XDS_TYPES) {
      JsonNode t = proxy.path("types").path(type);
      String sent = t.path("last_sent_version").asText();
      if (sent.isEmpty() || !sent.equals(t.path("last_acked_version").asText())) {
        return false;
      }
    }
    return true;
  }

  private Map<String, JsonNode> proxyStatus(String api) throws IOException {
    Http.Reply reply = rest.get(api + "/api/v1/proxies", Map.of());
    Map<String, JsonNode> byNode = new TreeMap<>();
    for (JsonNode item : JSON.readTree(reply.body()).path("items")) {
      byNode.put(item.path("node_id").asText(), item);
    }
    return byNode;
  }

  private Map<String, String> routeVersions(String api) throws IOException {
    Map<String, String> versions = new LinkedHashMap<>();
    proxyStatus(api)
        .forEach(
            (node, status) ->
                versions.put(
                    node, status.path("types").path(ROUTES).path("last_acked_version").asText()));
    return versions;
  }

  private void checkProxiesAcked(String api) throws IOException {
    Map<String, JsonNode> status = proxyStatus(api);
    for (Workload workload : workloads()) {
      JsonNode node = status.get(workload.nodeId());
      check(
          node != null && allAcked(node),
          workload.nodeId() + " is connected and acknowledged every resource type");
      if (node != null) {
        for (String type : XDS_TYPES) {
          check(
              node.path("types").path(type).path("last_nack").isNull(),
              workload.nodeId() + " never refused " + type);
        }
      }
    }
  }

  /**
   * Sequential GETs to web through web's proxy, as a user's browser would through an ingress
   * gateway: into its outbound listener with {@code Host: web}, so the call to web's app is a mesh
   * call (mTLS under STRICT) like every other hop.
   */
  private Round sendTraffic() throws IOException {
    Workload web = workload("web");
    Round round = new Round();
    for (int i = 0; i < requests; i++) {
      Http.Reply reply =
          http.get(
              "http://127.0.0.1:" + web.outboundPort() + "/orders/" + (1000 + i),
              Map.of("host", "web"));
      round.record(reply, JSON);
    }
    return round;
  }

  private Map<String, Long> proxyStats(String workload) throws IOException {
    Http.Reply reply =
        http.get("http://127.0.0.1:" + workload(workload).adminPort() + "/stats", Map.of());
    Map<String, Long> stats = new TreeMap<>();
    for (String line : reply.body().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0) {
        try {
          stats.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
        } catch (NumberFormatException histogram) {
          // histograms and text values are not counters
        }
      }
    }
    return stats;
  }

  /** {@code listener.<stat prefix>.ssl.handshake}, summed over a proxy's listeners. */
  private static long listenerHandshakes(Map<String, Long> stats) {
    return stats.entrySet().stream()
        .filter(e -> e.getKey().startsWith("listener.") && e.getKey().endsWith(".ssl.handshake"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
    return after.getOrDefault(name, 0L) - before.getOrDefault(name, 0L);
  }

  private void printWhereToLook(AdminTokens tokens) {
    Workload web = workload("web");
    Workload orders = workload("orders");
    Workload payments = workload("payments-1");
    String api = "http://127.0.0.1:" + restPort();
    String auth = "-H \"Authorization: Bearer $ATTACHE_TOKEN\" ";
    out.println();
    out.println("Where to look (in another terminal):");
    out.printf("  export ATTACHE_SERVER=%s ATTACHE_TOKEN=%s%n", api, tokens.admin());
    out.printf("  open %s/ui/%n", api);
    out.println("      # the web console: proxies and their sync status, revisions, the editor");
    out.println("  ./attache status");
    out.println("      # every proxy SYNCED at the policy's revision, per xDS type");
    out.println("  ./attache export > mesh.yaml");
    out.println("      # the whole policy as YAML; edit a line, then ./attache diff -f mesh.yaml");
    out.println("      # and ./attache apply -f mesh.yaml (one revision), ./attache rollback <n>");
    out.printf("  curl -si -H 'Host: web' http://127.0.0.1:%d/orders/1%n", web.outboundPort());
    out.println(
        "      # into the mesh through web's proxy → web → orders → payments, mTLS between");
    out.println("      # proxies: x-request-id in the response, the same id in every hop's JSON,");
    out.println("      # and each app's \"caller\": the SPIFFE ID its proxy proved");
    out.printf("  curl -s http://127.0.0.1:%d/stats | grep ssl.handshake%n", payments.adminPort());
    out.println("      # the TLS handshakes payments-1's inbound listener terminated");
    out.printf("  curl -s %s%s/api/v1/proxies/payments-1%n", auth, api);
    out.println("      # its proved identity and its current certificate's serial and expiry");
    out.printf("  curl -si http://127.0.0.1:%d/health%n", payments.inboundPort());
    out.println(
        "      # refused: STRICT inbound listeners accept only mesh peers with a certificate");
    out.printf(
        "  curl -s http://127.0.0.1:%d/stats | grep -E 'cluster.payments.(upstream_rq_retry|retry.upstream_rq_503|"
            + "outlier_detection.ejections)'%n",
        orders.adminPort());
    out.println("      # the retries and the ejection, counted by orders' proxy");
    out.printf("  curl -s http://127.0.0.1:%d/clusters | grep payments%n", orders.adminPort());
    out.println("      # each payments host and its health flags (failed_outlier_check)");
    out.printf("  curl -s http://127.0.0.1:%d/config_dump%n", web.adminPort());
    out.println(
        "      # web's proxy: listeners, routes and clusters it got over ADS, with versions");
    if (transparent) {
      String namespace = transparentOrders.namespace();
      out.printf(
          "  sudo ip netns exec %s curl -si http://%s:%d/charge%n",
          namespace, TransparentOrders.PAYMENTS_ADDRESS, TransparentOrders.PAYMENTS_PORT);
      out.println(
          "      # a plain call from orders' namespace, no proxy named: iptables hands it to");
      out.println(
          "      # orders' sidecar, which retries, adds x-request-id and speaks mTLS to payments");
      out.printf("  sudo ip netns exec %s iptables-save -t nat%n", namespace);
      out.println(
          "      # the rules ./attache iptables installed there (gone when the demo stops)");
    }
  }

  private void check(boolean holds, String what) {
    if (!holds) {
      failedChecks.add(what);
    }
  }

  private void expect(Http.Reply reply, String what) {
    if (reply.status() / 100 != 2) {
      throw new IllegalStateException(what + " answered " + reply.status() + ": " + reply.body());
    }
  }

  private boolean ok(String url) {
    try {
      return http.get(url, Map.of()).status() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * A plaintext GET on a new connection gets no answer. A new client, because the demo's own client
   * may still hold a keep-alive connection from before STRICT, which the listener that accepted it
   * keeps serving until it closes.
   */
  private static boolean plaintextRefused(int port) {
    try {
      return new Http().get("http://127.0.0.1:" + port + "/health", Map.of()).status() != 200;
    } catch (IOException refused) {
      return true;
    }
  }

  /** A condition the demo waits for; the timeout is generous and its message names what failed. */
  interface Condition {
    boolean holds() throws Exception;
  }

  private void awaitTrue(String what, long timeoutNanos, Condition condition) {
    long started = System.nanoTime();
    long deadline = started + timeoutNanos;
    long nextProgress = started + PROGRESS_EVERY_NANOS;
    while (true) {
      if (System.nanoTime() > nextProgress) {
        // Never leave the user in silence: a JVM start on a loaded machine takes a while.
        out.printf(
            "   … waiting for %s (%d s)%n", what, (System.nanoTime() - started) / 1_000_000_000L);
        nextProgress += PROGRESS_EVERY_NANOS;
      }
      try {
        if (condition.holds()) {
          return;
        }
      } catch (IllegalStateException fatal) {
        throw fatal;
      } catch (Exception notYet) {
        // keep waiting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out waiting for "
                + what
                + "; logs: "
                + (controlPlane == null ? "" : controlPlane.log().getParent()));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  private synchronized void stopAll() {
    proxies.parallelStream().forEach(ChildProcess::close);
    apps.forEach(DemoService::close);
    namespacedApps.forEach(ChildProcess::close);
    if (transparentOrders != null) {
      transparentOrders.close(); // the namespaces, and the iptables rules in them
      transparentOrders = null;
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"attache up " + DemoVersion.get()};
    }
  }
}
