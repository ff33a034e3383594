package io.attache.controlplane.xds;

import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns policy changes into snapshots in the cache, one per node group with an open stream. Changes
 * are debounced: a burst of writes becomes one push once writes pause for {@code quietPeriod}, but
 * never later than {@code maxDelay} after the first write of the burst. A node group seen for the
 * first time gets its snapshot at once, so a new proxy never waits for the next write; a group
 * whose last stream ended has its snapshot dropped, so groups that come and go cost nothing once
 * gone. Never translates on the caller's thread except for that first sight of a group. A group's
 * SDS secrets come from the {@link SecretSource} and are republished, for the groups of one
 * identity only, when that identity's certificate is renewed. Resources are versioned through one
 * {@link ResourceVersionCache} for every group, which a push tells when it starts and ends so that
 * only resources some snapshot still holds stay in it.
 */
public final class SnapshotPublisher implements ServedRevisions {

  /** Snapshots remembered per group to map a version back to its revision; older ones say "?". */
  private static final int SNAPSHOTS_REMEMBERED = 8;

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);
  private static final long NOTHING_PENDING = Long.MIN_VALUE;

  private final SimpleCache<ProxyGroup> cache;
  private final SnapshotTranslator translator;
  private final SecretSource secrets;
  private final ResourceVersionCache versions;
  private final Scheduler scheduler;
  private final Duration quietPeriod;
  private final Duration maxDelay;

  /** Open streams per node group that has a snapshot; guarded by {@link #publishLock}. */
  private final Map<ProxyGroup, Integer> streamsOfGroup = new HashMap<>();

  private final AtomicLong pushes = new AtomicLong();
  private final Object publishLock = new Object();
  private final java.util.Map<ProxyGroup, java.util.Deque<Published>> recent =
      new ConcurrentHashMap<>();

  /** A snapshot set for a group, and when (scheduler time). */
  private record Published(VersionedSnapshot snapshot, long atNanos) {}

  private volatile PolicySnapshot policy;
  private long burstStartedAt = NOTHING_PENDING;
  private Scheduler.ScheduledTask pending;

  public SnapshotPublisher(
      SimpleCache<ProxyGroup> cache,
      SnapshotTranslator translator,
      Scheduler scheduler,
      Duration quietPeriod,
      Duration maxDelay,
      PolicySnapshot initial) {
    this(cache, translator, SecretSource.NONE, scheduler, quietPeriod, maxDelay, initial);
  }

  public SnapshotPublisher(
      SimpleCache<ProxyGroup> cache,
      SnapshotTranslator translator,
      SecretSource secrets,
      Scheduler scheduler,
      Duration quietPeriod,
      Duration maxDelay,
      PolicySnapshot initial) {
    this(
        cache,
        translator,
        secrets,
        new ResourceVersionCache(),
        scheduler,
        quietPeriod,
        maxDelay,
        initial);
  }

  /** {@code versions}: shared with the server's serialiser, which finds resources' bytes there. */
  public SnapshotPublisher(
      SimpleCache<ProxyGroup> cache,
      SnapshotTranslator translator,
      SecretSource secrets,
      ResourceVersionCache versions,
      Scheduler scheduler,
      Duration quietPeriod,
      Duration maxDelay,
      PolicySnapshot initial) {
    this.cache = cache;
    this.translator = translator;
    this.secrets = secrets;
    this.versions = versions;
    this.scheduler = scheduler;
    this.quietPeriod = quietPeriod;
    this.maxDelay = maxDelay;
    this.policy = initial;
  }

  /**
   * Records the new policy and (re)arms the debounce timer. A policy older than the one held is
   * ignored: with several replicas a write's own publish and the store follower's catch-up may
   * arrive in either order, and the served policy must never go back.
   */
  public synchronized void policyChanged(PolicySnapshot next) {
    if (next.revision() < policy.revision()) {
      return;
    }
    policy = next;
    long now = scheduler.nanoTime();
    if (burstStartedAt == NOTHING_PENDING) {
      burstStartedAt = now;
    }
    long dueAt = Math.min(now + quietPeriod.toNanos(), burstStartedAt + maxDelay.toNanos());
    if (pending != null) {
      pending.cancel();
    }
    pending = scheduler.schedule(Duration.ofNanos(Math.max(0, dueAt - now)), this::push);
  }

  /** Sets a fresh snapshot for every known node group from the latest policy. */
  public void push() {
    synchronized (this) {
      burstStartedAt = NOTHING_PENDING;
      pending = null;
    }
    versions.pushStarted();
    try {
      for (ProxyGroup group : groups()) {
        publish(group);
      }
    } finally {
      versions.pushFinished();
    }
    pushes.incrementAndGet();
  }

  /** A certificate was renewed: republish the groups of that identity, and only those. */
  public void secretsChanged(String identity) {
    for (ProxyGroup group : groups()) {
      if (group.identity().equals(identity)) {
        publish(group);
      }
    }
  }

  /** Node groups holding a snapshot now. */
  public int nodeGroups() {
    synchronized (publishLock) {
      return streamsOfGroup.size();
    }
  }

  public long pushCount() {
    return pushes.get();
  }

  public PolicySnapshot currentPolicy() {
    return policy;
  }

  /** The resources a group is being served now, if it has a snapshot. */
  public Optional<EnvoyResources> resourcesOf(ProxyGroup group) {
    if (cache.getSnapshot(group) instanceof VersionedSnapshot snapshot) {
      return Optional.of(snapshot.source());
    }
    return Optional.empty();
  }

  /**
   * A stream of {@code group} opened: the group's first stream gets it a snapshot, before the
   * stream's first request reaches the cache.
   */
  public void streamOpened(ProxyGroup group) {
    synchronized (publishLock) {
      int streams = streamsOfGroup.merge(group, 1, Integer::sum);
      if (streams == 1) {
        setSnapshot(group);
      }
    }
  }

  /**
   * A stream of {@code group} ended, its watches already cancelled: the group's last stream drops
   * its snapshot.
   */
  public void streamClosed(ProxyGroup group) {
    synchronized (publishLock) {
      Integer streams = streamsOfGroup.get(group);
      if (streams == null) {
        return;
      }
      if (streams > 1) {
        streamsOfGroup.put(group, streams - 1);
        return;
      }
      streamsOfGroup.remove(group);
      recent.remove(group);
      if (!cache.clearSnapshot(group)) {
        LOG.warn("node group {} left with watches still open; its snapshot stays", group);
      }
    }
  }

  private List<ProxyGroup> groups() {
    synchronized (publishLock) {
      return List.copyOf(streamsOfGroup.keySet());
    }
  }

  /**
   * Reads the policy and sets the snapshot under one lock, so a first-sight publish racing a push
   * can never leave a group on an older policy than the latest one, and a push racing a group's
   * last stream never brings the released snapshot back.
   */
  private void publish(ProxyGroup group) {
    synchronized (publishLock) {
      if (streamsOfGroup.containsKey(group)) {
        setSnapshot(group);
      }
    }
  }

  /** Translates the policy for the group, remembers it, and sets it; under {@link #publishLock}. */
  private void setSnapshot(ProxyGroup group) {
    PolicySnapshot source = policy;
    VersionedSnapshot snapshot =
        new VersionedSnapshot(
            translator.translate(source, group),
            secrets.secretsFor(group),
            source.revision(),
            versions,
            cache.getSnapshot(group) instanceof VersionedSnapshot previous ? previous : null);
    java.util.Deque<Published> history =
        recent.computeIfAbsent(group, g -> new java.util.ArrayDeque<>());
    synchronized (history) {
      history.addFirst(new Published(snapshot, scheduler.nanoTime()));
      while (history.size() > SNAPSHOTS_REMEMBERED) {
        history.removeLast();
      }
    }
    cache.setSnapshot(group, snapshot);
  }

  @Override
  public Optional<Served> current(ProxyGroup group) {
    java.util.Deque<Published> history = recent.get(group);
    if (history == null) {
      return Optional.empty();
    }
    synchronized (history) {
      Published newest = history.peekFirst();
      return Optional.ofNullable(newest)
          .map(
              p ->
                  new Served(
                      p.snapshot().revision(),
                      p.snapshot(),
                      Duration.ofNanos(Math.max(0, scheduler.nanoTime() - p.atNanos()))));
    }
  }

  @Override
  public java.util.OptionalLong revisionOf(
      ProxyGroup group, String typeUrl, java.util.List<String> names, String version) {
    java.util.Deque<Published> history = recent.get(group);
    if (history == null || version.isEmpty()) {
      return java.util.OptionalLong.empty();
    }
    synchronized (history) {
      for (Published published : history) {
        if (published.snapshot().version(typeUrl, names).equals(version)) {
          return java.util.OptionalLong.of(published.snapshot().revision());
        }
      }
    }
    return java.util.OptionalLong.empty();
  }
}
