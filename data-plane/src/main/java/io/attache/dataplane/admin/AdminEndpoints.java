package io.attache.dataplane.admin;

import com.google.protobuf.util.Durations;
import io.attache.dataplane.drain.DrainDirection;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's admin paths, answered from {@link AdminSources}. Matching is on the exact path before
 * {@code ?}, as Envoy does; endpoints that change state refuse anything but POST with 405, any
 * other method is accepted elsewhere. Runs on the admin thread only.
 */
final class AdminEndpoints {
  private record Endpoint(String help, boolean mutatesState, Handler handler) {}

  @FunctionalInterface
  private interface Handler {
    AdminResponse handle(Map<String, List<String>> params);
  }

  private final AdminSources sources;
  private final AdminJson json;
  private final long startNanos;
  private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();

  AdminEndpoints(AdminSources sources) {
    this.sources = sources;
    this.json = new AdminJson(sources.typeRegistry());
    this.startNanos = sources.ticker().nanoTime();
    add("/", "Admin home page", false, p -> index());
    add(
        "/certs",
        "print certs on machine",
        false,
        p -> json.print(sources.certificates().get(), true));
    add("/clusters", "upstream cluster status", false, this::clusters);
    ConfigDumpEndpoint configDump = new ConfigDumpEndpoint(sources.configDump(), json);
    add("/config_dump", "dump current Envoy configs", false, configDump::handle);
    add("/drain_listeners", "drain listeners", true, this::drainListeners);
    add("/healthcheck/fail", "cause the server to fail health checks", true, p -> healthFail());
    add("/healthcheck/ok", "cause the server to pass health checks", true, p -> healthOk());
    add("/help", "print out list of admin commands", false, p -> help(200, ""));
    add(
        "/hot_restart_version",
        "print the hot restart compatibility version",
        false,
        p -> AdminResponse.text(200, "disabled"));
    ListenersEndpoint listeners = new ListenersEndpoint(sources.listeners());
    add(
        "/listeners",
        "print listener info",
        false,
        p ->
            format(p).equals("json")
                ? json.print(listeners.proto(), false)
                : AdminResponse.text(200, listeners.text()));
    InitDumpEndpoint initDump = new InitDumpEndpoint(sources.unreadyTargets());
    add(
        "/init_dump",
        "dump current Envoy init manager information (experimental)",
        false,
        p -> json.print(initDump.dump(p), false));
    add("/logging", "query/change logging levels", true, LoggingEndpoint::handle);
    add(
        "/memory",
        "print current allocation/heap usage",
        false,
        p -> json.print(sources.memory().get(), true));
    add("/quitquitquit", "exit the server", true, p -> quit());
    add(
        "/ready",
        "print server state, return 200 if LIVE, otherwise return 503",
        false,
        p -> ready());
    add("/reopen_logs", "reopen access logs", true, p -> reopenLogs());
    add("/reset_counters", "reset all counters to zero", true, p -> resetCounters());
    RuntimeEndpoint runtime = new RuntimeEndpoint(sources.runtime());
    add("/runtime", "print runtime values", false, p -> json.print(runtime.json(), false));
    add(
        "/runtime_modify",
        "Adds or modifies runtime values as passed in query parameters. To delete a previously"
            + " added key, use an empty string as the value. Note that deletion only applies to"
            + " overrides added via this endpoint; values loaded from disk can be modified via"
            + " override but not deleted. E.g. ?key1=value1&key2=value2...",
        true,
        runtime::modify);
    add("/server_info", "print server version/status information", false, p -> serverInfo());
    add("/stats", "print server stats", false, this::stats);
    add("/stats/prometheus", "print server stats in prometheus format", false, this::prometheus);
    RecentLookupsEndpoint lookups = new RecentLookupsEndpoint(sources.stats().recentLookups());
    add("/stats/recentlookups", "Show recent stat-name lookups", false, p -> lookups.show());
    add(
        "/stats/recentlookups/clear",
        "clear list of stat-name lookups and counter",
        true,
        p -> lookups.clear());
    add(
        "/stats/recentlookups/disable",
        "disable recording of reset stat-name lookup names",
        true,
        p -> lookups.disable());
    add(
        "/stats/recentlookups/enable",
        "enable recording of reset stat-name lookup names",
        true,
        p -> lookups.enable());
  }

  private void add(String path, String help, boolean mutates, Handler handler) {
    endpoints.put(path, new Endpoint(help, mutates, handler));
  }

  AdminResponse handle(String method, String uri) {
    QueryStringDecoder decoder = new QueryStringDecoder(uri);
    Endpoint endpoint = endpoints.get(decoder.path());
    if (endpoint == null) {
      return help(404, "invalid path. ");
    }
    if (endpoint.mutatesState() && !method.equals("POST")) {
      return AdminResponse.text(405, "Method " + method + " not allowed, POST required.");
    }
    return endpoint.handler().handle(decoder.parameters());
  }

  private AdminResponse help(int status, String preamble) {
    StringBuilder out = new StringBuilder(preamble).append("admin commands are:\n");
    endpoints.forEach(
        (path, e) -> out.append("  ").append(path).append(": ").append(e.help()).append('\n'));
    return AdminResponse.text(status, out.toString());
  }

  private AdminResponse index() {
    return AdminResponse.html(
        IndexPage.html(
            endpoints.entrySet().stream()
                .filter(e -> !e.getKey().equals("/"))
                .map(
                    e ->
                        new IndexPage.Entry(
                            e.getKey(), e.getValue().help(), e.getValue().mutatesState()))
                .toList()));
  }

  private ServerInfo.State state() {
    return HealthCheckState.serverState(sources.initState().get(), sources.healthCheck().status());
  }

  private AdminResponse ready() {
    ServerInfo.State state = state();
    return AdminResponse.text(state == ServerInfo.State.LIVE ? 200 : 503, state.name() + "\n");
  }

  private AdminResponse healthFail() {
    sources.healthCheck().fail();
    return AdminResponse.text(200, "OK\n");
  }

  private AdminResponse healthOk() {
    sources.healthCheck().ok();
    return AdminResponse.text(200, "OK\n");
  }

  private AdminResponse reopenLogs() {
    io.attache.logging.ApplicationLogs.reopen();
    return AdminResponse.text(200, "OK\n");
  }

  private AdminResponse resetCounters() {
    sources.stats().resetCounters();
    return AdminResponse.text(200, "OK\n");
  }

  /** Envoy 1.40's {@code /drain_listeners}: the parameters are flags, their values ignored. */
  private AdminResponse drainListeners(Map<String, List<String>> params) {
    sources
        .onDrainListeners()
        .drain(
            params.containsKey("inboundonly") ? DrainDirection.INBOUND_ONLY : DrainDirection.ALL,
            params.containsKey("graceful"),
            params.containsKey("skip_exit"));
    return AdminResponse.text(200, "OK\n");
  }

  private AdminResponse quit() {
    return AdminResponse.text(200, "OK\n")
        .then(
            () -> {
              // The callback may stop this very server: never run it on the admin event loop.
              Thread quitter = new Thread(sources.onQuitQuitQuit(), "attache-quitquitquit");
              quitter.setDaemon(true);
              quitter.start();
            });
  }

  private AdminResponse serverInfo() {
    ServerDetails details = sources.serverDetails();
    long uptimeSeconds = TimeUnit.NANOSECONDS.toSeconds(sources.ticker().nanoTime() - startNanos);
    ServerInfo info =
        ServerInfo.newBuilder()
            .setVersion(details.version())
            .setState(state())
            .setUptimeCurrentEpoch(Durations.fromSeconds(uptimeSeconds))
            .setUptimeAllEpochs(Durations.fromSeconds(uptimeSeconds))
            .setHotRestartVersion("disabled")
            .setCommandLineOptions(details.commandLineOptions())
            .setNode(details.node())
            .build();
    return json.print(info, true);
  }

  private AdminResponse clusters(Map<String, List<String>> params) {
    if (format(params).equals("json")) {
      return AdminResponse.json(ClustersFormats.json(sources.clusters()) + "\n");
    }
    return AdminResponse.text(200, ClustersFormats.text(sources.clusters()));
  }

  private AdminResponse stats(Map<String, List<String>> params) {
    StatsParams.Parsed parsed = StatsParams.parse(params);
    if (parsed.error().isPresent()) {
      return parsed.error().get();
    }
    StatsParams query = parsed.params().get();
    sources.beforeStats().run();
    return switch (format(params)) {
      case "json" -> AdminResponse.json(StatsFormats.json(sources.stats(), query));
      case "prometheus" -> prometheus(params);
      case "html", "active-html" ->
          AdminResponse.html(StatsFormats.html(StatsFormats.text(sources.stats(), query)));
      case "", "text" -> AdminResponse.text(200, StatsFormats.text(sources.stats(), query));
      default ->
          AdminResponse.text(400, "usage: /stats?format=(html|active-html|json|prometheus|text)\n");
    };
  }

  private AdminResponse prometheus(Map<String, List<String>> params) {
    StatsParams.Parsed parsed = StatsParams.parse(params);
    if (parsed.error().isPresent()) {
      return parsed.error().get();
    }
    StatsParams query = parsed.params().get();
    if (!StatsFormats.prometheusSupports(query.buckets())) {
      return AdminResponse.text(400, "unsupported prometheus histogram bucket mode");
    }
    sources.beforeStats().run();
    return AdminResponse.text(
        200, StatsFormats.prometheus(sources.stats(), query, sources.tagExtractor()));
  }

  private static String format(Map<String, List<String>> params) {
    List<String> values = params.getOrDefault("format", List.of());
    return values.isEmpty() ? "" : values.get(0);
  }
}
