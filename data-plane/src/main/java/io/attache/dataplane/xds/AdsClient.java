package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import io.attache.dataplane.logging.RateLimitedLog;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.time.Ticker;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's ADS client: one aggregated stream (state of the world or delta) for CDS, EDS, LDS,
 * RDS and SDS; per-resource validation with all-or-nothing NACKs per response; Envoy's warming
 * (clusters wait for their endpoints, listeners for their routes, both for their SDS secrets, up to
 * {@code initial_fetch_timeout}); and reconnection with jittered exponential back-off that keeps
 * the last snapshot serving. With several servers in the ADS cluster (control-plane replicas) the
 * stream goes to one at a time: the first is drawn at random, so a fleet spreads over the replicas,
 * and each reconnection moves on to the next one, round robin, as Envoy's cluster load balancer
 * picks a host per stream. It hands the integrator only consistent, warm snapshots through {@link
 * XdsConfigListener}.
 *
 * <p>All state lives on one serialised context (gRPC callbacks and timers are funnelled into it),
 * so nothing here is locked; the listener is called on it and must not block.
 */
public final class AdsClient implements StreamHost, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdsClient.class);

  /**
   * A control plane that keeps resending what this proxy refuses would otherwise get a warning per
   * NACK (issue 14 measured 1.9 MB of log per 10 s); the NACK itself, with its error detail, still
   * goes back every time.
   */
  private static final RateLimitedLog nackLog = RateLimitedLog.perMinute(log, Ticker.SYSTEM);

  private static final List<XdsResourceType> SUBSCRIPTION_ORDER =
      List.of(
          XdsResourceType.CLUSTER,
          XdsResourceType.ENDPOINT,
          XdsResourceType.LISTENER,
          XdsResourceType.ROUTE,
          XdsResourceType.SECRET);

  /** Types only ever subscribed by name, because a warming resource needs them. */
  private static final List<XdsResourceType> DEPENDENCY_TYPES =
      List.of(XdsResourceType.ENDPOINT, XdsResourceType.ROUTE, XdsResourceType.SECRET);

  /** A resource the client holds, as accepted from the control plane. */
  record Accepted(ParsedResource parsed, String version, Instant lastUpdated) {}

  /** The last rejected response of a type, for the config dump. */
  public record Rejection(String versionInfo, String details, Instant at) {}

  /**
   * The last rejected update of one resource, until an accepted update of it: Envoy's {@code
   * error_state}. {@code failedConfiguration} is empty when the resource could not be decoded.
   */
  record ResourceRejection(
      Optional<Any> failedConfiguration, String versionInfo, String details, Instant at) {}

  private final XdsClientConfig config;
  private final XdsConfigListener listener;
  private final StatsStore stats;
  private final UnknownDynamicFields unknownFields;
  private final Counter dynamicUnknownFields;
  private final Scheduler scheduler;
  private final Clock clock;
  private final ReconnectBackoff backoff;
  private final SynchronizationContext sync;
  private final Map<XdsResourceType, ResourceParser<?>> parsers =
      new EnumMap<>(XdsResourceType.class);
  private final Gauge connectedState;
  private final Gauge warmingClusters;
  private final Gauge warmingListeners;
  private final Map<String, SubscriptionStats> subscriptionStats = new HashMap<>();

  private ManagedChannel channel;
  private int server;
  private AdsStream stream;
  private boolean started;
  private boolean closed;
  private boolean streamAnswered;
  private ScheduledTask retryTask = ScheduledTask.NONE;
  // Bumped on each stream opened and each reconnect attempt: stale timers and callbacks see it.
  private long attempt;

  private Map<XdsResourceType, SortedMap<String, Accepted>> accepted = emptyState();
  private Map<XdsResourceType, SortedMap<String, Accepted>> active = emptyState();
  private boolean initialized;
  private final Set<XdsResourceType> initialFetchDone =
      java.util.EnumSet.noneOf(XdsResourceType.class);
  private final Map<XdsResourceType, ScheduledTask> initialFetchTimers =
      new EnumMap<>(XdsResourceType.class);
  private final Map<XdsResourceType, String> ackedVersions = new EnumMap<>(XdsResourceType.class);
  private final Map<XdsResourceType, Set<String>> names = new EnumMap<>(XdsResourceType.class);
  private final Map<Dependency.Key, Dependency> desiredDependencies = new LinkedHashMap<>();
  private final Set<Dependency.Key> settled = new HashSet<>();
  private final Map<Dependency.Key, ScheduledTask> dependencyTimers = new HashMap<>();
  private final Map<XdsResourceType, Rejection> rejections = new EnumMap<>(XdsResourceType.class);
  private final Map<Dependency.Key, ResourceRejection> resourceRejections = new HashMap<>();
  private volatile XdsConfigDump dump = XdsConfigDump.EMPTY;
  private final XdsTransport transport;

  /**
   * @param scheduler runs back-off and initial-fetch timers; tests fire them by hand
   * @param random draws the back-off jitter
   * @param clock stamps {@code last_updated} in the config dump
   */
  public AdsClient(
      XdsClientConfig config,
      XdsConfigListener listener,
      StatsStore stats,
      Scheduler scheduler,
      RandomSource random,
      Clock clock) {
    this(config, listener, stats, scheduler, random, clock, XdsTransport.PLAINTEXT);
  }

  /** As above, with the channel opened by {@code transport}. */
  public AdsClient(
      XdsClientConfig config,
      XdsConfigListener listener,
      StatsStore stats,
      Scheduler scheduler,
      RandomSource random,
      Clock clock,
      XdsTransport transport) {
    this(config, listener, stats, scheduler, random, clock, transport, UnknownDynamicFields.WARN);
  }

  /** {@code unknownFields}: what a resource field the protos do not know leads to. */
  public AdsClient(
      XdsClientConfig config,
      XdsConfigListener listener,
      StatsStore stats,
      Scheduler scheduler,
      RandomSource random,
      Clock clock,
      XdsTransport transport,
      UnknownDynamicFields unknownFields) {
    this.config = config;
    this.transport = transport;
    this.unknownFields = unknownFields;
    this.dynamicUnknownFields = stats.counter("server.dynamic_unknown_fields");
    this.listener = listener;
    this.stats = stats;
    this.scheduler = scheduler;
    this.clock = clock;
    this.backoff = new ReconnectBackoff(random, ReconnectBackoff.BASE, ReconnectBackoff.MAX);
    this.server = (int) random.nextLong(config.servers().size());
    this.sync =
        new SynchronizationContext(
            (thread, e) -> log.error("ADS client task failed; the client keeps running", e));
    this.connectedState = stats.gauge("control_plane.connected_state");
    this.warmingClusters = stats.gauge("cluster_manager.warming_clusters");
    this.warmingListeners = stats.gauge("listener_manager.total_listeners_warming");
    // Envoy's control-plane stats. Requests are never rate limited (rate_limit_settings is
    // ignored), so like Envoy without rate_limit_settings these two stay at zero.
    stats.counter("control_plane.rate_limit_enforced");
    stats.gauge("control_plane.pending_requests");
    parsers.put(XdsResourceType.CLUSTER, new ClusterResourceParser());
    parsers.put(XdsResourceType.ENDPOINT, new EndpointResourceParser());
    parsers.put(XdsResourceType.LISTENER, new ListenerResourceParser());
    parsers.put(XdsResourceType.ROUTE, new RouteConfigResourceParser());
    parsers.put(XdsResourceType.SECRET, new SecretResourceParser());
    for (XdsResourceType type : XdsResourceType.values()) {
      names.put(type, Set.of());
    }
    for (XdsResourceType type : List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER)) {
      if (!config.wildcardTypes().contains(type)) {
        initialFetchDone.add(type);
      }
    }
  }

  /** Opens the channel and the first stream and arms the CDS/LDS initial fetch timers. */
  public void start() {
    sync.execute(
        () -> {
          if (started || closed) {
            return;
          }
          started = true;
          channel = transport.open(config, config.servers().get(server));
          for (XdsResourceType type : config.wildcardTypes()) {
            Duration timeout = config.initialFetchTimeout(type);
            if (!timeout.isZero()) {
              initialFetchTimers.put(
                  type,
                  scheduler.schedule(
                      timeout, () -> sync.execute(() -> wildcardFetchTimedOut(type))));
            }
          }
          openStream();
        });
  }

  /**
   * Stops the stream and every timer; the last snapshot stays with the integrator. Blocks up to a
   * few seconds for the channel to terminate; never call it from an event loop.
   */
  @Override
  public void close() {
    sync.execute(
        () -> {
          if (closed) {
            return;
          }
          closed = true;
          retryTask.cancel();
          initialFetchTimers.values().forEach(ScheduledTask::cancel);
          initialFetchTimers.clear();
          dependencyTimers.values().forEach(ScheduledTask::cancel);
          dependencyTimers.clear();
          if (stream != null) {
            stream.cancel();
          }
          connectedState.set(0);
        });
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Versions, last updates and warming state for {@code /config_dump}; safe from any thread. */
  public XdsConfigDump configDump() {
    return dump;
  }

  private void openStream() {
    if (closed) {
      return;
    }
    attempt++;
    streamAnswered = false;
    Metadata headers = new Metadata();
    for (XdsClientConfig.Header header : config.initialMetadata()) {
      headers.put(Metadata.Key.of(header.key(), Metadata.ASCII_STRING_MARSHALLER), header.value());
    }
    if (config.apiType() == XdsClientConfig.ApiType.DELTA) {
      stream =
          new DeltaStream(
              channel.newCall(
                  AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod(),
                  CallOptions.DEFAULT),
              sync,
              this,
              config.node(),
              config.setNodeOnFirstMessageOnly());
    } else {
      stream =
          new SotwStream(
              channel.newCall(
                  AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod(),
                  CallOptions.DEFAULT),
              sync,
              this,
              config.node(),
              config.setNodeOnFirstMessageOnly());
    }
    stream.open(headers);
  }

  // ---- StreamHost -------------------------------------------------------------------------

  @Override
  public Iterable<XdsResourceType> subscribedTypes() {
    List<XdsResourceType> types = new ArrayList<>();
    for (XdsResourceType type : SUBSCRIPTION_ORDER) {
      if (type.subscription() == XdsResourceType.Subscription.WILDCARD
          ? config.wildcardTypes().contains(type)
          : !names.get(type).isEmpty()) {
        types.add(type);
      }
    }
    return types;
  }

  @Override
  public Set<String> names(XdsResourceType type) {
    return names.get(type);
  }

  @Override
  public String ackedVersion(XdsResourceType type) {
    return ackedVersions.getOrDefault(type, "");
  }

  @Override
  public Map<String, String> resourceVersions(XdsResourceType type) {
    Map<String, String> versions = new TreeMap<>();
    accepted.get(type).forEach((name, a) -> versions.put(name, a.version()));
    return versions;
  }

  @Override
  public void onStreamReady(AdsStream s) {
    if (s == stream && !closed) {
      connectedState.set(1);
    }
  }

  @Override
  public void onStreamClosed(AdsStream s, Status status) {
    if (s != stream || closed) {
      return;
    }
    connectedState.set(0);
    log.warn("ADS stream to {} closed: {}", config.adsClusterName(), status);
    countUpdateFailures();
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    long generation = attempt;
    retryTask =
        scheduler.schedule(
            backoff.nextDelay(),
            () ->
                sync.execute(
                    () -> {
                      if (!closed && generation == attempt) {
                        reconnect();
                      }
                    }));
  }

  /**
   * Our jittered back-off governs, not the channel's own reconnect timer (which grows to two
   * minutes). A channel in TRANSIENT_FAILURE stays there until a connection is READY and would fail
   * a new stream at once: it is told to reconnect now, the stream opens as soon as it leaves that
   * state, and if it is still down after the next jittered delay that counts as one more failed
   * attempt and it is told again.
   */
  private void reconnect() {
    if (config.servers().size() > 1) {
      // Another replica may well be up: try the next one at once rather than wait for this one.
      server = (server + 1) % config.servers().size();
      channel.shutdownNow();
      channel = transport.open(config, config.servers().get(server));
      log.info(
          "ADS stream to {}: trying {}", config.adsClusterName(), config.servers().get(server));
      openStream();
      return;
    }
    ConnectivityState state = channel.getState(true);
    if (state != ConnectivityState.TRANSIENT_FAILURE) {
      openStream();
      return;
    }
    long generation = ++attempt;
    channel.notifyWhenStateChanged(
        state,
        () ->
            sync.execute(
                () -> {
                  if (!closed && generation == attempt) {
                    retryTask.cancel();
                    openStream();
                  }
                }));
    channel.resetConnectBackoff();
    retryTask =
        scheduler.schedule(
            backoff.nextDelay(),
            () ->
                sync.execute(
                    () -> {
                      if (!closed && generation == attempt) {
                        countUpdateFailures();
                        reconnect();
                      }
                    }));
  }

  private void countUpdateFailures() {
    for (XdsResourceType type : config.wildcardTypes()) {
      statsFor(type).updateFailure.inc();
    }
    for (Dependency dependency : desiredDependencies.values()) {
      statsAt(dependency.statPrefix()).updateFailure.inc();
    }
  }

  @Override
  public void onResponse(AdsStream s, XdsResponse response) {
    if (s != stream || closed) {
      return;
    }
    connectedState.set(1);
    if (!streamAnswered) {
      streamAnswered = true;
      backoff.reset();
    }
    XdsResourceType type = XdsResourceType.fromTypeUrl(response.typeUrl());
    if (type == null || !parsers.containsKey(type) || !isSubscribed(type)) {
      log.warn("ignoring a response of unwatched type {}", response.typeUrl());
      return;
    }
    if (type.subscription() == XdsResourceType.Subscription.WILDCARD) {
      // Envoy ends the initial fetch on the first response, accepted or rejected.
      initialFetchDone.add(type);
      initialFetchTimers.getOrDefault(type, ScheduledTask.NONE).cancel();
      initialFetchTimers.remove(type);
    }
    ResourceParser<?> parser = parsers.get(type);
    List<String> errors = new ArrayList<>();
    Map<String, ParsedResource> parsed = new LinkedHashMap<>();
    Set<String> mentioned = new TreeSet<>();
    Map<String, String> versions = new HashMap<>();
    Map<String, Any> sent = new HashMap<>();
    Map<String, String> errorsByName = new LinkedHashMap<>();
    for (int i = 0; i < response.resources().size(); i++) {
      ResourceParser.Outcome outcome =
          unknownFieldsChecked(parser.parse(response.resources().get(i).any(), i));
      mentioned.add(outcome.name());
      versions.put(outcome.name(), response.resources().get(i).version());
      sent.put(outcome.name(), response.resources().get(i).any());
      outcome.error().ifPresent(errors::add);
      outcome.error().ifPresent(e -> errorsByName.merge(outcome.name(), e, (a, b) -> a + "\n" + b));
      outcome
          .resource()
          .ifPresent(
              r -> {
                if (parsed.putIfAbsent(r.name(), r) != null) {
                  errors.add(type + " " + r.name() + ": duplicate resource name in one response");
                }
              });
    }
    mentioned.addAll(response.removed());
    List<SubscriptionStats> scopes = scopesFor(type, mentioned);
    scopes.forEach(scope -> scope.updateAttempt.inc());
    if (!errors.isEmpty()) {
      errorsByName.forEach(
          (name, error) -> rememberRejection(type, name, sent.get(name), response, error));
      reject(s, type, response, scopes, String.join("\n", errors));
      return;
    }
    Map<XdsResourceType, SortedMap<String, Accepted>> next = new EnumMap<>(accepted);
    next.put(type, merge(type, response, parsed, versions));
    Delivery delivery = deliverIfReady(next);
    if (delivery.outcome() == ApplyResult.Outcome.REJECTED) {
      for (String name : culprits(type, delivery.resource(), parsed)) {
        rememberRejection(type, name, sent.get(name), response, delivery.reason());
      }
      reject(s, type, response, scopes, delivery.reason());
      return;
    }
    accepted = next;
    ackedVersions.put(type, response.versionInfo());
    rejections.remove(type);
    boolean wholeState =
        response.stateOfTheWorld() && type.subscription() == XdsResourceType.Subscription.WILDCARD;
    resourceRejections
        .keySet()
        .removeIf(k -> k.type() == type && (wholeState || mentioned.contains(k.name())));
    for (SubscriptionStats scope : scopes) {
      scope.accepted(response.versionInfo(), clock.instant());
      if (response.stateOfTheWorld() && response.resources().isEmpty()) {
        scope.updateEmpty.inc();
      }
    }
    // Before the ACK: whoever sees the ACK and then reads the gauges sees this update's warming.
    updateWarmingGauges();
    s.ack(type, response);
    afterChange();
  }

  // ---- responses ---------------------------------------------------------------------------

  private boolean isSubscribed(XdsResourceType type) {
    return type.subscription() == XdsResourceType.Subscription.WILDCARD
        ? config.wildcardTypes().contains(type)
        : !names.get(type).isEmpty();
  }

  private void reject(
      AdsStream s,
      XdsResourceType type,
      XdsResponse response,
      List<SubscriptionStats> scopes,
      String details) {
    nackLog.warn("NACK {} version {}: {}", type, response.versionInfo(), details);
    scopes.forEach(scope -> scope.updateRejected.inc());
    rejections.put(type, new Rejection(response.versionInfo(), details, clock.instant()));
    s.nack(type, response, details);
    afterChange();
  }

  private void rememberRejection(
      XdsResourceType type, String name, Any any, XdsResponse response, String details) {
    resourceRejections.put(
        new Dependency.Key(type, name),
        new ResourceRejection(
            Optional.ofNullable(any), response.versionInfo(), details, clock.instant()));
  }

  /**
   * The resources of a rejected response that carry the {@code error_state}: the one the proxy
   * named when this response sent it, else every resource the response changed.
   */
  private List<String> culprits(
      XdsResourceType type, Optional<Dependency.Key> named, Map<String, ParsedResource> parsed) {
    if (named.isPresent() && named.get().type() == type && parsed.containsKey(named.get().name())) {
      return List.of(named.get().name());
    }
    List<String> changed = new ArrayList<>();
    SortedMap<String, Accepted> held = accepted.get(type);
    parsed.forEach(
        (name, resource) -> {
          Accepted old = held.get(name);
          if (old == null || !old.parsed().proto().equals(resource.proto())) {
            changed.add(name);
          }
        });
    return changed;
  }

  private SortedMap<String, Accepted> merge(
      XdsResourceType type,
      XdsResponse response,
      Map<String, ParsedResource> parsed,
      Map<String, String> versions) {
    SortedMap<String, Accepted> previous = accepted.get(type);
    boolean wildcard = type.subscription() == XdsResourceType.Subscription.WILDCARD;
    SortedMap<String, Accepted> next =
        response.stateOfTheWorld() && wildcard ? new TreeMap<>() : new TreeMap<>(previous);
    response.removed().forEach(next::remove);
    for (ParsedResource resource : parsed.values()) {
      if (!wildcard && !names.get(type).contains(resource.name())) {
        continue; // not subscribed (any more): Envoy ignores it
      }
      Accepted old = previous.get(resource.name());
      if (old != null && old.parsed().proto().equals(resource.proto())) {
        // Unchanged: state of the world keeps the version of the update that last changed it.
        next.put(
            resource.name(),
            response.stateOfTheWorld()
                ? old
                : new Accepted(old.parsed(), versions.get(resource.name()), old.lastUpdated()));
      } else {
        next.put(
            resource.name(),
            new Accepted(resource, versions.get(resource.name()), clock.instant()));
      }
    }
    return next;
  }

  /** Applies the unknown-field policy: a warning and a count, a rejection, or nothing. */
  private ResourceParser.Outcome unknownFieldsChecked(ResourceParser.Outcome outcome) {
    if (outcome.unknownField().isEmpty()) {
      return outcome;
    }
    String where = outcome.unknownField().get();
    return switch (unknownFields) {
      case IGNORE -> outcome;
      case WARN -> {
        dynamicUnknownFields.inc();
        log.warn("{}: unknown field, ignored (a newer control plane's field?)", where);
        yield outcome;
      }
      case REJECT ->
          ResourceParser.Outcome.rejected(
              outcome.name(), where + ": unknown field (--reject-unknown-dynamic-fields)");
    };
  }

  // ---- warming and delivery ----------------------------------------------------------------

  private record Delivery(
      ApplyResult.Outcome outcome, String reason, Optional<Dependency.Key> resource) {
    static final Delivery DONE = new Delivery(ApplyResult.Outcome.ACCEPTED, "", Optional.empty());
  }

  /**
   * Delivers the warm view of {@code next} if initialisation is complete and it differs from what
   * the integrator runs; on success {@code active} becomes that view.
   */
  private Delivery deliverIfReady(Map<XdsResourceType, SortedMap<String, Accepted>> next) {
    if (closed || (!initialized && !initializationComplete(next))) {
      return Delivery.DONE;
    }
    Map<XdsResourceType, SortedMap<String, Accepted>> candidate = warmView(next);
    if (initialized && sameProtos(candidate, active)) {
      return Delivery.DONE;
    }
    ApplyResult result;
    try {
      result = listener.onUpdate(snapshotOf(candidate));
    } catch (RuntimeException e) {
      log.error("the integrator failed to apply an xDS snapshot", e);
      result = ApplyResult.rejected("applying the snapshot failed: " + e);
    }
    if (result.outcome() == ApplyResult.Outcome.REJECTED) {
      return new Delivery(ApplyResult.Outcome.REJECTED, result.reason(), result.resource());
    }
    active = candidate;
    initialized = true;
    return Delivery.DONE;
  }

  private boolean initializationComplete(Map<XdsResourceType, SortedMap<String, Accepted>> next) {
    if (!initialFetchDone.containsAll(config.wildcardTypes())) {
      return false;
    }
    for (XdsResourceType type : List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER)) {
      for (Accepted a : next.get(type).values()) {
        if (!warm(a, next)) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean warm(Accepted resource, Map<XdsResourceType, SortedMap<String, Accepted>> next) {
    for (Dependency d : resource.parsed().dependencies()) {
      if (!next.get(d.type()).containsKey(d.name()) && !settled.contains(d.key())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Warm clusters and listeners of {@code next}; one still warming keeps its active version if it
   * has one. Then the route configs and load assignments those need.
   */
  private Map<XdsResourceType, SortedMap<String, Accepted>> warmView(
      Map<XdsResourceType, SortedMap<String, Accepted>> next) {
    Map<XdsResourceType, SortedMap<String, Accepted>> view = emptyState();
    for (XdsResourceType type : List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER)) {
      for (Accepted a : next.get(type).values()) {
        if (warm(a, next)) {
          view.get(type).put(a.parsed().name(), a);
        } else if (active.get(type).containsKey(a.parsed().name())) {
          view.get(type).put(a.parsed().name(), active.get(type).get(a.parsed().name()));
        }
      }
      for (Accepted a : view.get(type).values()) {
        for (Dependency d : a.parsed().dependencies()) {
          Accepted dependency = next.get(d.type()).get(d.name());
          if (dependency != null) {
            view.get(d.type()).put(d.name(), dependency);
          }
        }
      }
    }
    return view;
  }

  /** Subscriptions, timers and the dump follow the accepted and active state. */
  private void afterChange() {
    Map<Dependency.Key, Dependency> desired = new LinkedHashMap<>();
    for (Map<XdsResourceType, SortedMap<String, Accepted>> state : List.of(accepted, active)) {
      for (XdsResourceType type : List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER)) {
        for (Accepted a : state.get(type).values()) {
          for (Dependency d : a.parsed().dependencies()) {
            desired.putIfAbsent(d.key(), d);
          }
        }
      }
    }
    desiredDependencies.clear();
    desiredDependencies.putAll(desired);
    settled.retainAll(desired.keySet());
    Map<XdsResourceType, SortedMap<String, Accepted>> pruned = new EnumMap<>(accepted);
    for (XdsResourceType type : DEPENDENCY_TYPES) {
      SortedMap<String, Accepted> kept = new TreeMap<>(accepted.get(type));
      kept.keySet().removeIf(name -> !desired.containsKey(new Dependency.Key(type, name)));
      pruned.put(type, kept);
    }
    accepted = pruned;
    for (var it = dependencyTimers.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      Dependency.Key key = entry.getKey();
      if (!desired.containsKey(key) || accepted.get(key.type()).containsKey(key.name())) {
        entry.getValue().cancel();
        it.remove();
      }
    }
    if (!closed) {
      for (Dependency d : desired.values()) {
        Dependency.Key key = d.key();
        if (accepted.get(d.type()).containsKey(d.name())
            || settled.contains(key)
            || dependencyTimers.containsKey(key)
            || d.initialFetchTimeout().isZero()) {
          continue;
        }
        dependencyTimers.put(
            key,
            scheduler.schedule(
                d.initialFetchTimeout(), () -> sync.execute(() -> dependencyFetchTimedOut(key))));
      }
    }
    for (XdsResourceType type : DEPENDENCY_TYPES) {
      Set<String> want = new TreeSet<>();
      desired.keySet().stream().filter(k -> k.type() == type).forEach(k -> want.add(k.name()));
      if (!want.equals(names.get(type))) {
        names.put(type, Collections.unmodifiableSet(want));
        if (stream != null && !closed) {
          stream.namesChanged(type);
        }
      }
    }
    dump =
        XdsConfigDump.of(
            accepted, active, ackedVersions, rejections, resourceRejections, Set.copyOf(settled));
    updateWarmingGauges();
  }

  /**
   * Envoy's {@code cluster_manager.warming_clusters} and {@code
   * listener_manager.total_listeners_warming}, kept current as Envoy's managers keep theirs (not at
   * the stats flush): a cluster or listener accepted but held for its dependencies, while the one
   * it replaces keeps serving. Before the first snapshot Envoy's listener manager has no workers
   * yet and counts LDS listeners as active, so none is warming then; its clusters warm from the
   * start.
   */
  private void updateWarmingGauges() {
    warmingClusters.set(warmingCount(XdsResourceType.CLUSTER));
    warmingListeners.set(initialized ? warmingCount(XdsResourceType.LISTENER) : 0);
  }

  private long warmingCount(XdsResourceType type) {
    SortedMap<String, Accepted> running = active.get(type);
    return accepted.get(type).values().stream()
        .filter(
            a -> {
              Accepted current = running.get(a.parsed().name());
              return current == null || !current.parsed().proto().equals(a.parsed().proto());
            })
        .count();
  }

  private void wildcardFetchTimedOut(XdsResourceType type) {
    if (closed || initialFetchDone.contains(type)) {
      return;
    }
    initialFetchTimers.remove(type);
    initialFetchDone.add(type);
    statsFor(type).initFetchTimeout.inc();
    log.warn("initial fetch of {} timed out; continuing without it", type);
    deliverOutsideResponse();
  }

  private void dependencyFetchTimedOut(Dependency.Key key) {
    Dependency dependency = desiredDependencies.get(key);
    if (closed || dependencyTimers.remove(key) == null || dependency == null) {
      return;
    }
    settled.add(key);
    statsAt(dependency.statPrefix()).initFetchTimeout.inc();
    log.warn("initial fetch of {} {} timed out; it serves without it", key.type(), key.name());
    deliverOutsideResponse();
  }

  private void deliverOutsideResponse() {
    Delivery delivery = deliverIfReady(accepted);
    if (delivery.outcome() == ApplyResult.Outcome.REJECTED) {
      // No response to NACK: the previous snapshot keeps serving until the next update.
      log.warn("the integrator rejected a warmed snapshot: {}", delivery.reason());
    }
    afterChange();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private List<SubscriptionStats> scopesFor(XdsResourceType type, Set<String> mentioned) {
    if (type.subscription() == XdsResourceType.Subscription.WILDCARD) {
      return List.of(statsFor(type));
    }
    List<SubscriptionStats> scopes = new ArrayList<>();
    for (String name : mentioned) {
      Dependency d = desiredDependencies.get(new Dependency.Key(type, name));
      if (d != null) {
        scopes.add(statsAt(d.statPrefix()));
      }
    }
    return scopes;
  }

  private SubscriptionStats statsFor(XdsResourceType type) {
    return statsAt(
        type == XdsResourceType.CLUSTER ? "cluster_manager.cds." : "listener_manager.lds.");
  }

  private SubscriptionStats statsAt(String prefix) {
    return subscriptionStats.computeIfAbsent(prefix, p -> new SubscriptionStats(stats, p));
  }

  private static Map<XdsResourceType, SortedMap<String, Accepted>> emptyState() {
    Map<XdsResourceType, SortedMap<String, Accepted>> state = new EnumMap<>(XdsResourceType.class);
    for (XdsResourceType type : XdsResourceType.values()) {
      state.put(type, new TreeMap<>());
    }
    return state;
  }

  private static boolean sameProtos(
      Map<XdsResourceType, SortedMap<String, Accepted>> a,
      Map<XdsResourceType, SortedMap<String, Accepted>> b) {
    for (XdsResourceType type : XdsResourceType.values()) {
      Map<String, com.google.protobuf.Message> left = new TreeMap<>();
      a.get(type).forEach((k, v) -> left.put(k, v.parsed().proto()));
      Map<String, com.google.protobuf.Message> right = new TreeMap<>();
      b.get(type).forEach((k, v) -> right.put(k, v.parsed().proto()));
      if (!left.equals(right)) {
        return false;
      }
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  static <T extends com.google.protobuf.Message> SortedMap<String, Versioned<T>> versioned(
      SortedMap<String, Accepted> state) {
    return XdsSnapshot.mapValues(
        state, a -> new Versioned<>((T) a.parsed().proto(), a.version(), a.lastUpdated()));
  }

  private static XdsSnapshot snapshotOf(Map<XdsResourceType, SortedMap<String, Accepted>> view) {
    return new XdsSnapshot(
        versioned(view.get(XdsResourceType.LISTENER)),
        versioned(view.get(XdsResourceType.ROUTE)),
        versioned(view.get(XdsResourceType.CLUSTER)),
        versioned(view.get(XdsResourceType.ENDPOINT)),
        versioned(view.get(XdsResourceType.SECRET)));
  }
}
