package io.attache.controlplane.xds;

import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.Sidecar;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Records, per xDS stream and resource type, the last response sent and how the client answered:
 * ACK (same nonce, no error_detail) or NACK (same nonce, error_detail set). Works for
 * state-of-the-world and delta streams. A stream is known from its open callback to its close
 * callback only: a late callback (a push racing the stream's end) never brings an entry back. Runs
 * on gRPC threads; must never block them.
 */
public final class ProxyStatusTracker implements DiscoveryServerCallbacks {

  /**
   * Delta ACKs carry no version, so the version of each in-flight nonce is remembered, boundedly.
   */
  private static final int NONCES_REMEMBERED = 16;

  /** Sent content not ACKed for this long is STALE rather than PENDING. */
  public static final java.time.Duration DEFAULT_STALE_AFTER = java.time.Duration.ofSeconds(10);

  private final Clock clock;
  private final Function<String, CertificateInfo> certificates;
  private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
  private final AtomicLong acks = new AtomicLong();
  private final AtomicLong nacks = new AtomicLong();
  private volatile ServedRevisions revisions = ServedRevisions.NONE;
  private volatile XdsEvents events = XdsEvents.NONE;
  private volatile java.time.Duration staleAfter = DEFAULT_STALE_AFTER;

  public ProxyStatusTracker(Clock clock) {
    this(clock, identity -> CertificateInfo.NONE);
  }

  /** {@code certificates}: the current certificate of an identity (SPIFFE URI), or NONE. */
  public ProxyStatusTracker(Clock clock, Function<String, CertificateInfo> certificates) {
    this.clock = clock;
    this.certificates = certificates;
  }

  /**
   * Where versions are mapped back to store revisions (the snapshot publisher); {@code staleAfter}:
   * how long sent content may wait for its ACK before it is STALE.
   */
  public void useRevisions(ServedRevisions served, java.time.Duration staleAfter) {
    this.revisions = served;
    this.staleAfter = staleAfter;
  }

  /** Where each ACK (with its push-to-ACK time) and NACK is reported, by type and API. */
  public ProxyStatusTracker reportingTo(XdsEvents events) {
    this.events = events;
    return this;
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    streams.put(streamId, new StreamState(clock.instant()));
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    streams.remove(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    streams.remove(streamId);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    StreamState stream = streams.get(streamId);
    if (stream == null) {
      return;
    }
    stream.sawNode(request.getNode());
    stream.requested(request.getTypeUrl(), request.getResourceNamesList());
    if (request.getResponseNonce().isEmpty()) {
      return;
    }
    String errorDetail = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    stream.answered(
        request.getTypeUrl(),
        request.getResponseNonce(),
        request.getVersionInfo(),
        errorDetail,
        clock,
        "sotw");
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    StreamState stream = streams.get(streamId);
    if (stream == null) {
      return;
    }
    stream.sawNode(request.getNode());
    if (request.getResponseNonce().isEmpty()) {
      return;
    }
    String errorDetail = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    stream.answered(
        request.getTypeUrl(), request.getResponseNonce(), null, errorDetail, clock, "delta");
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    StreamState stream = streams.get(streamId);
    if (stream != null) {
      stream.sent(response.getTypeUrl(), response.getNonce(), response.getVersionInfo());
    }
  }

  @Override
  public void onV3StreamDeltaResponse(
      long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    StreamState stream = streams.get(streamId);
    if (stream != null) {
      stream.sent(response.getTypeUrl(), response.getNonce(), response.getSystemVersionInfo());
    }
  }

  /** Every connected client that has identified itself, sorted by node id. */
  public List<ProxyStatus> proxies() {
    return page(Optional.empty(), Integer.MAX_VALUE).items();
  }

  /**
   * Where a page of proxies starts: just after the proxy with this node id, connection time and
   * stream. Proxies are ordered by exactly these three, so a cursor never skips or repeats one that
   * stays connected, whatever connects or leaves between two pages.
   */
  public record Cursor(String nodeId, Instant connectedSince, long streamId)
      implements Comparable<Cursor> {
    private static final Comparator<Cursor> ORDER =
        Comparator.comparing(Cursor::nodeId)
            .thenComparing(Cursor::connectedSince)
            .thenComparingLong(Cursor::streamId);

    @Override
    public int compareTo(Cursor other) {
      return ORDER.compare(this, other);
    }
  }

  /** Up to {@code size} proxies, and the cursor of the next page if there are more. */
  public record Page(List<ProxyStatus> items, Optional<Cursor> next) {}

  /** The identified clients after {@code after} (from the first if empty), {@code size} at most. */
  public Page page(Optional<Cursor> after, int size) {
    TreeMap<Cursor, StreamState> ordered = new TreeMap<>();
    streams.forEach(
        (streamId, stream) -> {
          Node node = stream.node();
          if (node != null) {
            Cursor key = new Cursor(node.getId(), stream.connectedSince, streamId);
            if (after.isEmpty() || key.compareTo(after.get()) > 0) {
              ordered.put(key, stream);
            }
          }
        });
    List<ProxyStatus> items = new ArrayList<>();
    Cursor last = null;
    for (Map.Entry<Cursor, StreamState> entry : ordered.entrySet()) {
      if (items.size() == size) {
        return new Page(items, Optional.of(last));
      }
      Optional<ProxyStatus> status = entry.getValue().status();
      if (status.isPresent()) {
        items.add(status.get());
        last = entry.getKey();
      }
    }
    return new Page(items, Optional.empty());
  }

  /** The newest stream of a node id, if it is connected. */
  public Optional<ProxyStatus> proxy(String nodeId) {
    return proxies().stream()
        .filter(p -> p.nodeId().equals(nodeId))
        .max(Comparator.comparing(ProxyStatus::connectedSince));
  }

  /** The node of the newest stream of a node id, to find its snapshot. */
  public Optional<Node> node(String nodeId) {
    return streams.values().stream()
        .map(StreamState::node)
        .filter(n -> n != null && n.getId().equals(nodeId))
        .findFirst();
  }

  /** Streams open now, including those whose client has not sent its node yet. */
  public int openStreams() {
    return streams.size();
  }

  public long ackCount() {
    return acks.get();
  }

  public long nackCount() {
    return nacks.get();
  }

  /** One stream's state; guarded by its own monitor, touched by one gRPC call at a time. */
  private final class StreamState {
    private final Instant connectedSince;
    private Node node;
    private final Map<String, MutableTypeStatus> types = new TreeMap<>();

    StreamState(Instant connectedSince) {
      this.connectedSince = connectedSince;
    }

    synchronized Node node() {
      return node;
    }

    synchronized void sawNode(Node requestNode) {
      // Clients may send the node only on the first request of a stream.
      if (node == null && requestNode != null && !requestNode.getId().isEmpty()) {
        node = requestNode;
      }
    }

    synchronized void requested(String typeUrl, List<String> names) {
      types.computeIfAbsent(typeUrl, t -> new MutableTypeStatus()).names = List.copyOf(names);
    }

    synchronized void sent(String typeUrl, String nonce, String version) {
      MutableTypeStatus type = types.computeIfAbsent(typeUrl, t -> new MutableTypeStatus());
      type.lastSentVersion = version;
      type.lastSentNonce = nonce;
      type.lastSentAt = clock.instant();
      type.versionsByNonce.put(nonce, version);
      type.sentAtByNonce.put(nonce, type.lastSentAt);
      while (type.versionsByNonce.size() > NONCES_REMEMBERED) {
        type.versionsByNonce.remove(type.versionsByNonce.keySet().iterator().next());
      }
      while (type.sentAtByNonce.size() > NONCES_REMEMBERED) {
        type.sentAtByNonce.remove(type.sentAtByNonce.keySet().iterator().next());
      }
    }

    synchronized void answered(
        String typeUrl,
        String nonce,
        String sotwVersion,
        String errorDetail,
        Clock clock,
        String api) {
      MutableTypeStatus type = types.computeIfAbsent(typeUrl, t -> new MutableTypeStatus());
      String respondedVersion = type.versionsByNonce.get(nonce);
      Instant sentAt = type.sentAtByNonce.remove(nonce);
      if (errorDetail != null) {
        nacks.incrementAndGet();
        events.nacked(typeUrl, api);
        type.lastNack =
            new ProxyStatus.Nack(
                respondedVersion == null ? "" : respondedVersion,
                nonce,
                errorDetail,
                clock.instant());
        return;
      }
      String accepted = sotwVersion != null ? sotwVersion : respondedVersion;
      if (accepted != null) {
        acks.incrementAndGet();
        type.lastAckedVersion = accepted;
      }
      if (sentAt != null) {
        // Once per push: a later request repeating the nonce is not a second ACK of it.
        events.acked(typeUrl, api, java.time.Duration.between(sentAt, clock.instant()));
      }
    }

    synchronized Optional<ProxyStatus> status() {
      if (node == null) {
        return Optional.empty();
      }
      String identity = ProxyGroup.authenticatedIdentity(node);
      ProxyGroup group = ProxyGroup.of(node);
      Optional<ServedRevisions.Served> served = revisions.current(group);
      Instant now = clock.instant();
      Map<String, ProxyStatus.TypeStatus> snapshot = new TreeMap<>();
      types.forEach(
          (url, t) ->
              snapshot.put(
                  url,
                  new ProxyStatus.TypeStatus(
                      t.lastSentVersion,
                      t.lastSentNonce,
                      t.lastAckedVersion,
                      t.lastNack,
                      revisions
                          .revisionOf(group, url, t.names, t.lastSentVersion)
                          .orElse(ProxyStatus.UNKNOWN_REVISION),
                      ackedRevision(group, url, t, served),
                      verdict(url, t, served, now))));
      return Optional.of(
          new ProxyStatus(
              node.getId(),
              node.getCluster(),
              node.getUserAgentName(),
              userAgentVersion(node),
              node.getMetadata(),
              ProxyGroup.of(node).toString(),
              Sidecar.problems(node.getMetadata()),
              connectedSince,
              java.util.Collections.unmodifiableMap(snapshot),
              identity,
              identity.isEmpty() ? CertificateInfo.NONE : certificates.apply(identity)));
    }
  }

  private long ackedRevision(
      ProxyGroup group, String url, MutableTypeStatus t, Optional<ServedRevisions.Served> served) {
    if (served.isPresent() && served.get().version(url, t.names).equals(t.lastAckedVersion)) {
      return served.get().revision();
    }
    return revisions
        .revisionOf(group, url, t.names, t.lastAckedVersion)
        .orElse(ProxyStatus.UNKNOWN_REVISION);
  }

  /**
   * NACKED when the latest response was refused; SYNCED when what was ACKed is what the group's
   * current snapshot gives this stream; otherwise PENDING, then STALE once the newer content (sent,
   * or set in the cache and not sent yet) is older than the threshold.
   */
  private SyncVerdict verdict(
      String url, MutableTypeStatus t, Optional<ServedRevisions.Served> served, Instant now) {
    if (t.lastSentVersion.isEmpty()) {
      return SyncVerdict.NOT_SENT;
    }
    if (t.lastNack != null && t.lastNack.nonce().equals(t.lastSentNonce)) {
      return SyncVerdict.NACKED;
    }
    String wanted = served.map(s -> s.version(url, t.names)).orElse(t.lastSentVersion);
    if (t.lastAckedVersion.equals(wanted)) {
      return SyncVerdict.SYNCED;
    }
    java.time.Duration waiting;
    if (!t.lastSentVersion.equals(t.lastAckedVersion)) {
      waiting = java.time.Duration.between(t.lastSentAt, now);
    } else {
      waiting = served.map(ServedRevisions.Served::age).orElse(java.time.Duration.ZERO);
    }
    return waiting.compareTo(staleAfter) > 0 ? SyncVerdict.STALE : SyncVerdict.PENDING;
  }

  /**
   * Envoy sends its version structured, in {@code user_agent_build_version} (major.minor.patch plus
   * build metadata); other clients send a string in {@code user_agent_version}.
   */
  static String userAgentVersion(Node node) {
    if (!node.hasUserAgentBuildVersion()) {
      return node.getUserAgentVersion();
    }
    var build = node.getUserAgentBuildVersion();
    var semantic = build.getVersion();
    StringBuilder version =
        new StringBuilder()
            .append(semantic.getMajorNumber())
            .append('.')
            .append(semantic.getMinorNumber())
            .append('.')
            .append(semantic.getPatch());
    var metadata = build.getMetadata().getFieldsMap();
    if (metadata.containsKey("revision.sha")) {
      version
          .append(" (")
          .append(
              metadata.get("revision.sha").getStringValue(),
              0,
              Math.min(12, metadata.get("revision.sha").getStringValue().length()));
      if (metadata.containsKey("build.type")) {
        version.append(", ").append(metadata.get("build.type").getStringValue());
      }
      version.append(')');
    }
    return version.toString();
  }

  private static final class MutableTypeStatus {
    private List<String> names = List.of();
    private Instant lastSentAt = Instant.EPOCH;
    private String lastSentVersion = "";
    private String lastSentNonce = "";
    private String lastAckedVersion = "";
    private ProxyStatus.Nack lastNack;
    private final LinkedHashMap<String, String> versionsByNonce = new LinkedHashMap<>();
    private final LinkedHashMap<String, Instant> sentAtByNonce = new LinkedHashMap<>();
  }
}
