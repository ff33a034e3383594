package io.attache.dataplane.admin;

import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.drain.DrainDirection;
import io.attache.dataplane.runtime.RuntimeLoader;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.stats.TagExtractor;
import io.attache.dataplane.time.Ticker;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.Memory;
import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything the admin endpoint reads or triggers, grouped so {@link AdminServer} has a short
 * constructor. Every source is read on the admin thread and must answer from a snapshot without
 * blocking on the data path. Build with {@link #builder()}; unset sources are null objects.
 */
public record AdminSources(
    StatsStore stats,
    TagExtractor tagExtractor,
    Supplier<ServerInitState> initState,
    HealthCheckState healthCheck,
    Runnable beforeStats,
    ServerDetails serverDetails,
    ClustersView clusters,
    ConfigDumpSource configDump,
    Supplier<Map<String, InetSocketAddress>> listeners,
    RuntimeLoader runtime,
    Supplier<Memory> memory,
    Supplier<Certificates> certificates,
    Supplier<UnreadyTargetsDumps> unreadyTargets,
    Supplier<JsonFormat.TypeRegistry> typeRegistry,
    Runnable onQuitQuitQuit,
    DrainListeners onDrainListeners,
    Ticker ticker,
    Clock clock,
    AccessLoggers accessLog) {

  /** What {@code POST /drain_listeners} asks of the server, its query already read. */
  @FunctionalInterface
  public interface DrainListeners {
    void drain(DrainDirection direction, boolean graceful, boolean skipExit);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects the sources; defaults are empty stats, INITIALIZED, no clusters, no config. */
  public static final class Builder {
    private StatsStore stats = new StatsStore();
    private TagExtractor tagExtractor = TagExtractor.envoyDefaults();
    private Supplier<ServerInitState> initState = () -> ServerInitState.INITIALIZED;
    private HealthCheckState healthCheck = new HealthCheckState();
    private Runnable beforeStats = () -> {};
    private ServerDetails serverDetails = ServerDetails.UNKNOWN;
    private ClustersView clusters = ClustersView.NONE;
    private ConfigDumpSource configDump = ConfigDumpSource.NONE;
    private Supplier<Map<String, InetSocketAddress>> listeners = Map::of;
    private RuntimeLoader runtime = new RuntimeLoader(RuntimeSnapshot.EMPTY);
    private Supplier<Memory> memory = Memory::getDefaultInstance;
    private Supplier<Certificates> certificates = Certificates::getDefaultInstance;
    private Supplier<UnreadyTargetsDumps> unreadyTargets = UnreadyTargetsDumps::getDefaultInstance;
    // Built on the first /config_dump: the admin dump types pull in hundreds of generated
    // classes (TLS secrets, dump wrappers) that a proxy nobody inspects never needs.
    private Supplier<JsonFormat.TypeRegistry> typeRegistry = ConfigDumpTypes::envoyDefaults;
    private Runnable onQuitQuitQuit = () -> {};
    private DrainListeners onDrainListeners = (direction, graceful, skipExit) -> {};
    private Ticker ticker = Ticker.SYSTEM;
    private Clock clock = Clock.systemUTC();
    private AccessLoggers accessLog = AccessLoggers.NONE;

    private Builder() {}

    public Builder stats(StatsStore stats) {
      this.stats = stats;
      return this;
    }

    /** How Prometheus output splits names into tags (Envoy's defaults plus {@code --stats-tag}). */
    public Builder tagExtractor(TagExtractor tagExtractor) {
      this.tagExtractor = tagExtractor;
      return this;
    }

    public Builder initState(Supplier<ServerInitState> initState) {
      this.initState = initState;
      return this;
    }

    public Builder healthCheck(HealthCheckState healthCheck) {
      this.healthCheck = healthCheck;
      return this;
    }

    /** Runs before every stats rendering (Envoy's {@code stats_flush_on_admin} flush). */
    public Builder beforeStats(Runnable beforeStats) {
      this.beforeStats = beforeStats;
      return this;
    }

    public Builder serverDetails(ServerDetails serverDetails) {
      this.serverDetails = serverDetails;
      return this;
    }

    public Builder clusters(ClustersView clusters) {
      this.clusters = clusters;
      return this;
    }

    public Builder configDump(ConfigDumpSource configDump) {
      this.configDump = configDump;
      return this;
    }

    /** Each active listener's bound address by name, in the order {@code /listeners} lists them. */
    public Builder listeners(Supplier<Map<String, InetSocketAddress>> listeners) {
      this.listeners = listeners;
      return this;
    }

    /**
     * The runtime {@code /runtime} shows (the bootstrap's {@code layered_runtime}) and whose admin
     * layer {@code /runtime_modify} changes.
     */
    public Builder runtime(RuntimeLoader runtime) {
      this.runtime = runtime;
      return this;
    }

    /** One reading of the process's memory in Envoy's terms, taken per {@code /memory}. */
    public Builder memory(Supplier<Memory> memory) {
      this.memory = memory;
      return this;
    }

    /** The certificates of every live TLS context, read per {@code /certs}; never private keys. */
    public Builder certificates(Supplier<Certificates> certificates) {
      this.certificates = certificates;
      return this;
    }

    /** The init managers still waiting, read per {@code /init_dump}. */
    public Builder unreadyTargets(Supplier<UnreadyTargetsDumps> unreadyTargets) {
      this.unreadyTargets = unreadyTargets;
      return this;
    }

    /** Must know every type packed in an {@code Any} inside the dumped configs. */
    public Builder typeRegistry(JsonFormat.TypeRegistry typeRegistry) {
      this.typeRegistry = () -> typeRegistry;
      return this;
    }

    /** Runs once per valid {@code POST /drain_listeners}, on the admin thread; must not block. */
    public Builder onDrainListeners(DrainListeners onDrainListeners) {
      this.onDrainListeners = onDrainListeners;
      return this;
    }

    /** Runs once per {@code POST /quitquitquit}, on its own thread, after the reply is sent. */
    public Builder onQuitQuitQuit(Runnable onQuitQuitQuit) {
      this.onQuitQuitQuit = onQuitQuitQuit;
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = ticker;
      return this;
    }

    /** Wall clock for the start time of admin access-log entries. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Logs every admin request; build it from {@link AdminConfig#accessLogs()}. */
    public Builder accessLog(AccessLoggers accessLog) {
      this.accessLog = accessLog;
      return this;
    }

    public AdminSources build() {
      return new AdminSources(
          stats,
          tagExtractor,
          initState,
          healthCheck,
          beforeStats,
          serverDetails,
          clusters,
          configDump,
          listeners,
          runtime,
          memory,
          certificates,
          unreadyTargets,
          typeRegistry,
          onQuitQuitQuit,
          onDrainListeners,
          ticker,
          clock,
          accessLog);
    }
  }
}
