package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.runtime.RuntimeLoader;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.Certificate;
import io.envoyproxy.envoy.admin.v3.CertificateDetails;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.Memory;
import io.envoyproxy.envoy.admin.v3.SubjectAlternateName;
import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  private final StatsStore stats = new StatsStore();
  private final AtomicReference<ServerInitState> init =
      new AtomicReference<>(ServerInitState.INITIALIZED);
  private final HealthCheckState healthCheck = new HealthCheckState();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger quits = new AtomicInteger();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<ClustersView.Cluster> clusters =
      List.of(
          new ClustersView.Cluster(
              "backend",
              false,
              List.of(
                  new ClustersView.Thresholds(ClustersView.Priority.DEFAULT, 1024, 1024, 1024, 3),
                  new ClustersView.Thresholds(ClustersView.Priority.HIGH, 1024, 1024, 1024, 3)),
              List.of(
                  new ClustersView.Host(
                      "127.0.0.1",
                      8080,
                      "backend-0",
                      1,
                      0,
                      new ClustersView.Locality("eu", "eu-1a", ""),
                      Set.of(),
                      new TreeMap<>(Map.of("rq_total", 12L, "cx_connect_fail", 0L)),
                      new TreeMap<>(Map.of("cx_active", 2L)),
                      -1,
                      -1),
                  new ClustersView.Host(
                      "127.0.0.2",
                      8080,
                      "",
                      3,
                      0,
                      ClustersView.Locality.NONE,
                      Set.of(HealthFlag.FAILED_EDS_HEALTH, HealthFlag.FAILED_OUTLIER_CHECK),
                      new TreeMap<>(),
                      new TreeMap<>(),
                      99.5,
                      -1))));
  private final RuntimeLoader runtime = new RuntimeLoader(runtime());
  private AdminServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    AdminSources sources =
        AdminSources.builder()
            .stats(stats)
            .initState(init::get)
            .healthCheck(healthCheck)
            .serverDetails(
                new ServerDetails(
                    "attache/0.1.0",
                    Node.newBuilder().setId("sidecar~10.0.0.1").setCluster("web").build(),
                    CommandLineOptions.newBuilder()
                        .setConfigPath("/etc/attache/bootstrap.yaml")
                        .setConcurrency(2)
                        .build()))
            .clusters(() -> clusters)
            .configDump(
                () ->
                    List.of(
                        BootstrapConfigDump.newBuilder()
                            .setBootstrap(
                                Bootstrap.newBuilder()
                                    .setNode(Node.newBuilder().setId("sidecar~10.0.0.1")))
                            .build()))
            .listeners(
                () -> {
                  Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
                  listeners.put("ingress", new InetSocketAddress("127.0.0.1", 10000));
                  listeners.put("ingress-v6", new InetSocketAddress("::1", 10001));
                  return listeners;
                })
            .runtime(runtime)
            .memory(
                () ->
                    Memory.newBuilder()
                        .setAllocated(1000)
                        .setHeapSize(4000)
                        .setPageheapFree(3000)
                        .setTotalPhysicalBytes(5000)
                        .build())
            .certificates(
                () ->
                    Certificates.newBuilder()
                        .addCertificates(
                            Certificate.newBuilder()
                                .addCertChain(
                                    CertificateDetails.newBuilder()
                                        .setPath("<inline>")
                                        .setSerialNumber("1f")
                                        .setDaysUntilExpiration(12)
                                        .addSubjectAltNames(
                                            SubjectAlternateName.newBuilder()
                                                .setUri("spiffe://mesh/ns/shop/sa/web"))))
                        .build())
            .unreadyTargets(
                () ->
                    UnreadyTargetsDumps.newBuilder()
                        .addUnreadyTargetsDumps(
                            UnreadyTargetsDumps.UnreadyTargetsDump.newBuilder()
                                .setName("Listener-local-init-manager ingress 42")
                                .addTargetNames("RdsRouteConfigSubscription init local_route"))
                        .build())
            .onQuitQuitQuit(quits::incrementAndGet)
            .ticker(now::get)
            .build();
    server =
        new AdminServer(
            AdminConfig.listeningOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            sources);
    InetSocketAddress bound = server.start();
    base = "http://127.0.0.1:" + bound.getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void initDumpListsTheListenersInitTargetsAndAnUnknownMaskSelectsNothing() throws Exception {
    for (String path : List.of("/init_dump", "/init_dump?mask=listener")) {
      UnreadyTargetsDumps.Builder dump = UnreadyTargetsDumps.newBuilder();
      JsonFormat.parser().merge(get(path).body(), dump);
      assertThat(dump.getUnreadyTargetsDumpsList())
          .as(path)
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.getName()).isEqualTo("Listener-local-init-manager ingress 42");
                assertThat(d.getTargetNamesList())
                    .containsExactly("RdsRouteConfigSubscription init local_route");
              });
    }
    HttpResponse<String> other = get("/init_dump?mask=cluster");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.body()).isEqualTo("{\n}\n");
  }

  @Test
  void recentLookupsCountStatNameLookupsOnceEnabledAndClearResetsTheTotal() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total");
    assertThat(get("/stats/recentlookups").body())
        .isEqualTo(
            "Lookup tracking is not enabled. Use /stats/recentlookups/enable to enable.\n"
                + "\ntotal: 1\n");
    assertThat(get("/stats/recentlookups/enable").statusCode()).isEqualTo(405);

    assertThat(post("/stats/recentlookups/enable").body()).isEqualTo("OK\n");
    stats.counter("cluster.backend.upstream_rq_total");
    stats.counter("cluster.backend.upstream_rq_total");
    stats.gauge("cluster.backend.upstream_cx_active");
    assertThat(get("/stats/recentlookups").body())
        .isEqualTo(
            "   Count Lookup\n"
                + "       1 cluster.backend.upstream_cx_active\n"
                + "       2 cluster.backend.upstream_rq_total\n"
                + "\ntotal: 4\n");

    assertThat(post("/stats/recentlookups/clear").body()).isEqualTo("OK\n");
    assertThat(get("/stats/recentlookups").body()).isEqualTo("   Count Lookup\n\ntotal: 0\n");

    assertThat(post("/stats/recentlookups/disable").body()).isEqualTo("OK\n");
    stats.counter("cluster.backend.upstream_rq_total");
    assertThat(get("/stats/recentlookups").body()).startsWith("Lookup tracking is not enabled.");
    assertThat(get("/stats/recentlookups").body()).endsWith("\ntotal: 1\n");
  }

  @Test
  void readyIsLiveOnceInitialised() throws Exception {
    HttpResponse<String> response = get("/ready");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("LIVE\n");
  }

  @Test
  void readyIsUnavailableWhileInitialising() throws Exception {
    init.set(ServerInitState.PRE_INITIALIZING);
    assertThat(get("/ready").body()).isEqualTo("PRE_INITIALIZING\n");
    init.set(ServerInitState.INITIALIZING);
    HttpResponse<String> response = get("/ready");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("INITIALIZING\n");
  }

  @Test
  void failingHealthChecksMakesReadyReportDrainingUntilOk() throws Exception {
    assertThat(post("/healthcheck/fail").body()).isEqualTo("OK\n");
    assertThat(healthCheck.status()).isEqualTo(HealthCheckState.Status.FAILED);
    HttpResponse<String> draining = get("/ready");
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.body()).isEqualTo("DRAINING\n");

    assertThat(post("/healthcheck/ok").statusCode()).isEqualTo(200);
    assertThat(healthCheck.status()).isEqualTo(HealthCheckState.Status.OK);
    assertThat(get("/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void refusesStateChangesOverGet() throws Exception {
    HttpResponse<String> response = get("/healthcheck/fail");
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.body()).isEqualTo("Method GET not allowed, POST required.");
    assertThat(healthCheck.status()).isEqualTo(HealthCheckState.Status.OK);
    assertThat(get("/quitquitquit").statusCode()).isEqualTo(405);
    assertThat(quits).hasValue(0);
  }

  @Test
  void quitQuitQuitAnswersThenRunsTheShutdownCallback() throws Exception {
    HttpResponse<String> response = post("/quitquitquit");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("OK\n");
    await().atMost(Duration.ofSeconds(5)).untilAtomic(quits, org.hamcrest.Matchers.equalTo(1));
  }

  @Test
  void loggingListsAndChangesLevelsAtRuntimeAndRefusesWhatEnvoyRefuses() throws Exception {
    try {
      HttpResponse<String> changed = post("/logging?paths=io.attache.dataplane.xds:debug");
      assertThat(changed.statusCode()).isEqualTo(200);
      assertThat(changed.body())
          .startsWith("active loggers:\n")
          .contains("  io.attache.dataplane.xds: debug\n");
      assertThat(
              org.slf4j.LoggerFactory.getLogger("io.attache.dataplane.xds.AdsClient")
                  .isDebugEnabled())
          .isTrue();

      HttpResponse<String> badLevel = post("/logging?level=loud");
      assertThat(badLevel.statusCode()).isEqualTo(400);
      assertThat(badLevel.body())
          .startsWith("error: unknown logger level\n\nusage: /logging?<name>=<level>")
          .contains("levels: trace debug info warning error critical off \n");
      HttpResponse<String> badName = post("/logging?nosuchcomponent=debug");
      assertThat(badName.statusCode()).isEqualTo(400);
      assertThat(badName.body()).startsWith("error: unknown logger name\n");
      assertThat(get("/logging?level=debug").statusCode()).isEqualTo(405);
    } finally {
      post("/logging?level=info");
    }
    assertThat(
            org.slf4j.LoggerFactory.getLogger("io.attache.dataplane.xds.AdsClient")
                .isDebugEnabled())
        .isFalse();
  }

  @Test
  void resetCountersZeroesCountersAndKeepsGauges() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total").add(7);
    stats.gauge("cluster.backend.upstream_cx_active").set(2);

    assertThat(post("/reset_counters").body()).isEqualTo("OK\n");

    assertThat(get("/stats?filter=backend").body())
        .isEqualTo(
            "cluster.backend.upstream_cx_active: 2\n" + "cluster.backend.upstream_rq_total: 0\n");
    assertThat(get("/hot_restart_version").body()).isEqualTo("disabled");
  }

  @Test
  void unknownPathsAre404WithTheListOfCommands() throws Exception {
    HttpResponse<String> response = get("/nope");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body())
        .startsWith("invalid path. admin commands are:\n")
        .contains("  /stats/prometheus: print server stats in prometheus format\n");
  }

  @Test
  void statsAreSortedTextOfCountersAndGauges() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total").add(7);
    stats.gauge("cluster.backend.upstream_cx_active").set(2);
    stats.counter("cluster.backend.upstream_rq_retry");
    HttpResponse<String> response = get("/stats");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=UTF-8");
    assertThat(response.body())
        .isEqualTo(
            "cluster.backend.upstream_cx_active: 2\n"
                + "cluster.backend.upstream_rq_retry: 0\n"
                + "cluster.backend.upstream_rq_total: 7\n");
  }

  @Test
  void statsHonourFilterAndUsedOnly() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total").add(7);
    stats.counter("cluster.backend.upstream_rq_retry");
    stats.counter("http.ingress.downstream_rq_total").add(3);
    assertThat(get("/stats?filter=upstream_rq").body())
        .isEqualTo("cluster.backend.upstream_rq_retry: 0\ncluster.backend.upstream_rq_total: 7\n");
    assertThat(get("/stats?usedonly").body())
        .isEqualTo("cluster.backend.upstream_rq_total: 7\nhttp.ingress.downstream_rq_total: 3\n");
    assertThat(get("/stats?filter=(bad").statusCode()).isEqualTo(400);
  }

  @Test
  void statsRenderAsEnvoyJson() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total").add(7);
    stats.gauge("server.live").set(1);
    HttpResponse<String> response = get("/stats?format=json");
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.body())
        .isEqualTo(
            "{\"stats\":[{\"name\":\"cluster.backend.upstream_rq_total\",\"value\":7},"
                + "{\"name\":\"server.live\",\"value\":1}]}");
  }

  @Test
  void prometheusOutputUsesEnvoyNamesAndTags() throws Exception {
    stats.counter("cluster.backend.upstream_rq_total").add(7);
    stats.counter("cluster.payments.upstream_rq_total").add(1);
    stats.counter("cluster.backend.upstream_rq_503").add(2);
    stats.counter("cluster.backend.upstream_rq_5xx").add(2);
    stats.counter("http.ingress.downstream_rq_2xx").add(5);
    stats.gauge("cluster.backend.circuit_breakers.default.cx_open").set(0);
    stats.gauge("listener.0.0.0.0_15001.downstream_cx_active").set(4);
    stats.gauge("server.live").set(1);

    assertThat(get("/stats/prometheus").body())
        .isEqualTo(
            "# TYPE envoy_cluster_upstream_rq counter\n"
                + "envoy_cluster_upstream_rq{envoy_response_code=\"503\","
                + "envoy_cluster_name=\"backend\"} 2\n"
                + "# TYPE envoy_cluster_upstream_rq_total counter\n"
                + "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 7\n"
                + "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"payments\"} 1\n"
                + "# TYPE envoy_cluster_upstream_rq_xx counter\n"
                + "envoy_cluster_upstream_rq_xx{envoy_response_code_class=\"5\","
                + "envoy_cluster_name=\"backend\"} 2\n"
                + "# TYPE envoy_http_downstream_rq_xx counter\n"
                + "envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\","
                + "envoy_http_conn_manager_prefix=\"ingress\"} 5\n"
                + "# TYPE envoy_cluster_circuit_breakers_default_cx_open gauge\n"
                + "envoy_cluster_circuit_breakers_default_cx_open{envoy_cluster_name=\"backend\"} 0\n"
                + "# TYPE envoy_listener_downstream_cx_active gauge\n"
                + "envoy_listener_downstream_cx_active{envoy_listener_address=\"0.0.0.0_15001\"} 4\n"
                + "# TYPE envoy_server_live gauge\n"
                + "envoy_server_live{} 1\n");
    assertThat(get("/stats?format=prometheus&filter=server").body())
        .isEqualTo("# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n");
  }

  @Test
  void clustersRenderAsEnvoyText() throws Exception {
    assertThat(get("/clusters").body())
        .isEqualTo(
            "backend::default_priority::max_connections::1024\n"
                + "backend::default_priority::max_pending_requests::1024\n"
                + "backend::default_priority::max_requests::1024\n"
                + "backend::default_priority::max_retries::3\n"
                + "backend::high_priority::max_connections::1024\n"
                + "backend::high_priority::max_pending_requests::1024\n"
                + "backend::high_priority::max_requests::1024\n"
                + "backend::high_priority::max_retries::3\n"
                + "backend::added_via_api::false\n"
                + "backend::127.0.0.1:8080::cx_active::2\n"
                + "backend::127.0.0.1:8080::cx_connect_fail::0\n"
                + "backend::127.0.0.1:8080::rq_total::12\n"
                + "backend::127.0.0.1:8080::hostname::backend-0\n"
                + "backend::127.0.0.1:8080::health_flags::healthy\n"
                + "backend::127.0.0.1:8080::weight::1\n"
                + "backend::127.0.0.1:8080::region::eu\n"
                + "backend::127.0.0.1:8080::zone::eu-1a\n"
                + "backend::127.0.0.1:8080::sub_zone::\n"
                + "backend::127.0.0.1:8080::canary::false\n"
                + "backend::127.0.0.1:8080::priority::0\n"
                + "backend::127.0.0.1:8080::success_rate::-1\n"
                + "backend::127.0.0.1:8080::local_origin_success_rate::-1\n"
                + "backend::127.0.0.2:8080::hostname::\n"
                + "backend::127.0.0.2:8080::health_flags::/failed_outlier_check/failed_eds_health\n"
                + "backend::127.0.0.2:8080::weight::3\n"
                + "backend::127.0.0.2:8080::region::\n"
                + "backend::127.0.0.2:8080::zone::\n"
                + "backend::127.0.0.2:8080::sub_zone::\n"
                + "backend::127.0.0.2:8080::canary::false\n"
                + "backend::127.0.0.2:8080::priority::0\n"
                + "backend::127.0.0.2:8080::success_rate::99.5\n"
                + "backend::127.0.0.2:8080::local_origin_success_rate::-1\n");
  }

  @Test
  void clustersRenderAsEnvoyJson() throws Exception {
    HttpResponse<String> response = get("/clusters?format=json");
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    String body = response.body().replaceAll("\\s+", "");
    assertThat(body)
        .startsWith("{\"cluster_statuses\":[{\"name\":\"backend\",")
        .contains(
            "\"thresholds\":[{\"max_connections\":1024,\"max_pending_requests\":1024,"
                + "\"max_requests\":1024,\"max_retries\":3},{\"priority\":\"HIGH\"")
        .contains("\"socket_address\":{\"address\":\"127.0.0.1\",\"port_value\":8080}")
        // COUNTER is the enum's zero value, so proto JSON leaves it out, as in Envoy's output.
        .contains("{\"value\":\"12\",\"name\":\"rq_total\"}")
        .contains("{\"type\":\"GAUGE\",\"value\":\"2\",\"name\":\"cx_active\"}")
        .contains(
            "\"health_status\":{\"failed_outlier_check\":true,\"eds_health_status\":\"UNHEALTHY\"}")
        .contains("\"success_rate\":{\"value\":99.5}");
  }

  @Test
  void serverInfoReportsVersionStateUptimeOptionsAndNode() throws Exception {
    now.addAndGet(Duration.ofSeconds(42).toNanos());
    healthCheck.fail();
    String body = get("/server_info").body().replaceAll("\\s+", "");
    assertThat(body)
        .contains("\"version\":\"attache/0.1.0\"")
        .contains("\"state\":\"DRAINING\"")
        .contains("\"uptime_current_epoch\":\"42s\"")
        .contains("\"config_path\":\"/etc/attache/bootstrap.yaml\"")
        .contains("\"concurrency\":2")
        .contains("\"id\":\"sidecar~10.0.0.1\"")
        .contains("\"cluster\":\"web\"");
  }

  @Test
  void configDumpPacksEachConfigWithItsType() throws Exception {
    HttpResponse<String> response = get("/config_dump");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().replaceAll("\\s+", ""))
        .isEqualTo(
            "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\","
                + "\"bootstrap\":{\"node\":{\"id\":\"sidecar~10.0.0.1\"}}}]}");
  }

  @Test
  void configDumpAnswers404ForAResourceNoDumpHas() throws Exception {
    HttpResponse<String> response = get("/config_dump?resource=dynamic_nothing");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).isEqualTo("dynamic_nothing not found in config dump");
    assertThat(get("/config_dump?resource=").statusCode()).isEqualTo(200);
  }

  @Test
  void configDumpFailsWith500WhenATypeIsNotRegistered() throws Exception {
    server.close();
    server =
        new AdminServer(
            AdminConfig.listeningOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            AdminSources.builder()
                .configDump(
                    () ->
                        List.of(
                            io.envoyproxy.envoy.admin.v3.ClustersConfigDump.newBuilder()
                                .addStaticClusters(
                                    io.envoyproxy.envoy.admin.v3.ClustersConfigDump.StaticCluster
                                        .newBuilder()
                                        .setCluster(
                                            com.google.protobuf.Any.pack(
                                                Cluster.newBuilder().setName("a").build())))
                                .build()))
                .typeRegistry(
                    com.google.protobuf.util.JsonFormat.TypeRegistry.getEmptyTypeRegistry())
                .build());
    base = "http://127.0.0.1:" + server.start().getPort();
    HttpResponse<String> response = get("/config_dump");
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).startsWith("cannot render as JSON:");
  }

  @Test
  void logsAdminRequestsToTheAdminAccessLog(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path log = dir.resolve("admin.log");
    AdminConfig config =
        AdminConfig.fromProto(
            io.envoyproxy.envoy.config.bootstrap.v3.Admin.newBuilder()
                .setAccessLogPath(log.toString())
                .setAddress(
                    io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                        .setSocketAddress(
                            io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder()
                                .setAddress("127.0.0.1")
                                .setPortValue(0)))
                .build(),
            "admin");
    server.close();
    try (io.attache.dataplane.accesslog.AccessLoggers accessLog =
        io.attache.dataplane.accesslog.AccessLoggers.fromProtos(
            config.accessLogs(), "admin.access_log", stats)) {
      server =
          new AdminServer(
              config,
              AdminSources.builder()
                  .accessLog(accessLog)
                  .clock(
                      java.time.Clock.fixed(
                          java.time.Instant.parse("2024-05-06T07:08:09.010Z"),
                          java.time.ZoneOffset.UTC))
                  .ticker(now::get)
                  .build());
      base = "http://127.0.0.1:" + server.start().getPort();
      assertThat(get("/ready?x=1").statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  java.nio.file.Files.exists(log)
                      && java.nio.file.Files.readString(log)
                          .startsWith(
                              "[2024-05-06T07:08:09.010Z] \"GET /ready?x=1 HTTP/1.1\" 200 - 0 5 0 - \"-\" \"Java-http-client/"));
    }
  }

  @Test
  void prometheusOutputRendersHistogramsAfterGaugesWithEnvoysApproximateSum() throws Exception {
    stats.gauge("server.live").set(1);
    stats.histogram("cluster.backend.upstream_rq_time").record(3);
    stats.histogram("cluster.backend.upstream_rq_time").record(40);
    stats.histogram("cluster.unused.upstream_rq_time");
    StringBuilder buckets = new StringBuilder();
    long[] counts = {0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    String[] bounds = {
      "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
      "30000", "60000", "300000", "600000", "1800000", "3600000"
    };
    for (int i = 0; i < bounds.length; i++) {
      buckets
          .append("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"")
          .append(bounds[i])
          .append("\"} ")
          .append(counts[i])
          .append('\n');
    }
    assertThat(get("/stats/prometheus?usedonly").body())
        .isEqualTo(
            "# TYPE envoy_server_live gauge\n"
                + "envoy_server_live{} 1\n"
                + "# TYPE envoy_cluster_upstream_rq_time histogram\n"
                + buckets
                + "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"+Inf\"} 2\n"
                + "envoy_cluster_upstream_rq_time_sum{envoy_cluster_name=\"backend\"} 43.543007488362682977367512648925\n"
                + "envoy_cluster_upstream_rq_time_count{envoy_cluster_name=\"backend\"} 2\n");
  }

  private static RuntimeSnapshot runtime() {
    try {
      LayeredRuntime.Builder layers = LayeredRuntime.newBuilder();
      layers
          .addLayersBuilder()
          .setName("base")
          .setStaticLayer(struct("{\"routing\": {\"canary\": 5}, \"tracing\": true}"));
      layers
          .addLayersBuilder()
          .setName("override")
          .setStaticLayer(struct("{\"routing.canary\": 50}"));
      layers.addLayersBuilder().setName("admin").getAdminLayerBuilder();
      return RuntimeSnapshot.from(layers.build(), "layered_runtime");
    } catch (ConfigException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Struct struct(String json)
      throws com.google.protobuf.InvalidProtocolBufferException {
    Struct.Builder out = Struct.newBuilder();
    JsonFormat.parser().merge(json, out);
    return out.build();
  }

  @Test
  void listenersListsEachListenerAsNameColonColonAddress() throws Exception {
    HttpResponse<String> response = get("/listeners");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ingress::127.0.0.1:10000\ningress-v6::[::1]:10001\n");
  }

  @Test
  void listenersAsJsonParseAsEnvoysAdminListeners() throws Exception {
    HttpResponse<String> response = get("/listeners?format=json");
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    // Envoy 1.40 prints only the fields that are set: no protocol, no empty address lists.
    assertThat(response.body()).doesNotContain("protocol").doesNotContain("additional");
    Listeners.Builder parsed = Listeners.newBuilder();
    JsonFormat.parser().merge(response.body(), parsed);
    assertThat(parsed.getListenerStatusesList())
        .extracting(
            ListenerStatus::getName,
            l -> l.getLocalAddress().getSocketAddress().getAddress(),
            l -> l.getLocalAddress().getSocketAddress().getPortValue())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ingress", "127.0.0.1", 10000),
            org.assertj.core.groups.Tuple.tuple("ingress-v6", "::1", 10001));
  }

  @Test
  void runtimeShowsEveryLayersValueAndTheOneThatApplies() throws Exception {
    HttpResponse<String> response = get("/runtime");
    assertThat(response.statusCode()).isEqualTo(200);
    Struct parsed = struct(response.body());
    assertThat(parsed.getFieldsOrThrow("layers").getListValue().getValuesList())
        .extracting(com.google.protobuf.Value::getStringValue)
        .containsExactly("base", "override", "admin");
    Struct entries = parsed.getFieldsOrThrow("entries").getStructValue();
    assertThat(entries.getFieldsMap()).containsOnlyKeys("routing.canary", "tracing");
    Struct canary = entries.getFieldsOrThrow("routing.canary").getStructValue();
    assertThat(canary.getFieldsOrThrow("layer_values").getListValue().getValuesList())
        .extracting(com.google.protobuf.Value::getStringValue)
        .containsExactly("5", "50", "");
    assertThat(canary.getFieldsOrThrow("final_value").getStringValue()).isEqualTo("50");
    Struct tracing = entries.getFieldsOrThrow("tracing").getStructValue();
    assertThat(tracing.getFieldsOrThrow("layer_values").getListValue().getValuesList())
        .extracting(com.google.protobuf.Value::getStringValue)
        .containsExactly("true", "", "");
    assertThat(tracing.getFieldsOrThrow("final_value").getStringValue()).isEqualTo("true");
  }

  @Test
  void runtimeModifySetsAndRemovesAdminLayerValuesOverTheStaticLayers() throws Exception {
    assertThat(get("/runtime_modify?routing.canary=90").statusCode()).isEqualTo(405);
    HttpResponse<String> set = post("/runtime_modify?routing.canary=90&feature.x=on");
    assertThat(set.statusCode()).isEqualTo(200);
    assertThat(set.body()).isEqualTo("OK\n");

    Struct entries = struct(get("/runtime").body()).getFieldsOrThrow("entries").getStructValue();
    Struct canary = entries.getFieldsOrThrow("routing.canary").getStructValue();
    assertThat(canary.getFieldsOrThrow("layer_values").getListValue().getValuesList())
        .extracting(com.google.protobuf.Value::getStringValue)
        .containsExactly("5", "50", "90");
    assertThat(canary.getFieldsOrThrow("final_value").getStringValue()).isEqualTo("90");
    assertThat(runtime.snapshot().get("feature.x").orElseThrow().raw()).isEqualTo("on");

    assertThat(post("/runtime_modify?routing.canary=").statusCode()).isEqualTo(200);
    assertThat(runtime.snapshot().get("routing.canary").orElseThrow().raw())
        .as("removing the override uncovers the static layers' value")
        .isEqualTo("50");
    HttpResponse<String> usage = post("/runtime_modify");
    assertThat(usage.statusCode()).isEqualTo(400);
    assertThat(usage.body()).startsWith("usage: /runtime_modify?key1=value1");
  }

  @Test
  void runtimeModifyIsRefusedWithoutAnAdminLayerAsEnvoyRefusesIt() throws Exception {
    try (AdminServer bare =
        new AdminServer(
            AdminConfig.listeningOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            AdminSources.builder().build())) {
      int port = bare.start().getPort();
      HttpResponse<String> refused =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/runtime_modify?a=1"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).isEqualTo("No admin layer specified");
    }
  }

  @Test
  void memoryParsesAsEnvoysAdminMemory() throws Exception {
    HttpResponse<String> response = get("/memory");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"allocated\": \"1000\"")
        .contains("\"pageheap_unmapped\": \"0\"");
    Memory.Builder parsed = Memory.newBuilder();
    JsonFormat.parser().merge(response.body(), parsed);
    assertThat(parsed.build())
        .isEqualTo(
            Memory.newBuilder()
                .setAllocated(1000)
                .setHeapSize(4000)
                .setPageheapFree(3000)
                .setTotalPhysicalBytes(5000)
                .build());
  }

  @Test
  void homePageLinksEveryReadOnlyEndpointAndOffersAPostButtonForTheOthers() throws Exception {
    HttpResponse<String> response = get("/");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
    assertThat(response.body())
        .contains("<a href='/listeners'>listeners</a></td><td>print listener info</td>")
        .contains("<a href='/runtime'>runtime</a>")
        .contains("<a href='/memory'>memory</a>")
        .contains("<a href='/init_dump'>init_dump</a>")
        .contains("<a href='/stats/recentlookups'>stats/recentlookups</a>")
        .contains("<form action='/runtime_modify' method='post'>")
        .contains("<form action='/stats/recentlookups/enable' method='post'>")
        .contains(
            "<form action='/quitquitquit' method='post'><button type='submit'>quitquitquit</button></form></td><td>exit the server</td>")
        .doesNotContain("<a href='/quitquitquit'>")
        .doesNotContain("href='/'>");
  }

  @Test
  void certsPrintEnvoysAdminCertificatesWithEveryFieldNamedAsEnvoy() throws Exception {
    HttpResponse<String> response = get("/certs");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"cert_chain\"")
        .contains("\"days_until_expiration\": \"12\"")
        .contains("\"ca_cert\": []");
    Certificates.Builder parsed = Certificates.newBuilder();
    JsonFormat.parser().merge(response.body(), parsed);
    assertThat(parsed.getCertificates(0).getCertChain(0).getSerialNumber()).isEqualTo("1f");
    assertThat(parsed.getCertificates(0).getCertChain(0).getSubjectAltNames(0).getUri())
        .isEqualTo("spiffe://mesh/ns/shop/sa/web");
  }
}
