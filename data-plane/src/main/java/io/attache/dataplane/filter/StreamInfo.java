package io.attache.dataplane.filter;

import com.google.protobuf.Struct;
import io.attache.dataplane.accesslog.ResponseFlag;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What happened to one stream, written by the connection manager and its filters and read by the
 * access log, stats and tracing at the end (Envoy's {@code StreamInfo}). Mutable, confined to the
 * stream's event loop; never shared between streams.
 */
public final class StreamInfo {
  private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
  private String responseCodeDetails = "-";
  private int responseCode;
  private String routeName;
  private String upstreamCluster;
  private InetSocketAddress upstreamHost;
  private int attemptCount;
  private InetSocketAddress downstreamRemoteAddress;
  private final Map<String, Struct> dynamicMetadata = new LinkedHashMap<>();
  private Map<String, Object> filterState;

  public void addFlag(ResponseFlag flag) {
    flags.add(flag);
  }

  public boolean hasFlag(ResponseFlag flag) {
    return flags.contains(flag);
  }

  /** The flags set so far (live view; copy before keeping it). */
  public EnumSet<ResponseFlag> flags() {
    return flags;
  }

  public String responseCodeDetails() {
    return responseCodeDetails;
  }

  public void setResponseCodeDetails(String details) {
    this.responseCodeDetails = details;
  }

  /** The status sent downstream, 0 while none was. */
  public int responseCode() {
    return responseCode;
  }

  public void setResponseCode(int code) {
    this.responseCode = code;
  }

  /** {@code Route.name} of the route that served the stream, null when no route matched. */
  public String routeName() {
    return routeName;
  }

  public void setRouteName(String name) {
    this.routeName = name;
  }

  /** The cluster the router chose, null while none. */
  public String upstreamCluster() {
    return upstreamCluster;
  }

  public void setUpstreamCluster(String cluster) {
    this.upstreamCluster = cluster;
  }

  /** The host of the last upstream attempt, null while none. */
  public InetSocketAddress upstreamHost() {
    return upstreamHost;
  }

  public void setUpstreamHost(InetSocketAddress host) {
    this.upstreamHost = host;
  }

  /** Upstream attempts made ({@code %UPSTREAM_REQUEST_ATTEMPT_COUNT%}). */
  public int attemptCount() {
    return attemptCount;
  }

  public void setAttemptCount(int count) {
    this.attemptCount = count;
  }

  /**
   * The trusted client address the connection manager decided on ({@code use_remote_address},
   * {@code xff_num_trusted_hops}, {@code x-forwarded-for}): Envoy's downstream remote address, what
   * RBAC's {@code remote_ip} matches. Null until the connection manager has run.
   */
  public InetAddress downstreamRemoteAddress() {
    return downstreamRemoteAddress == null ? null : downstreamRemoteAddress.getAddress();
  }

  /**
   * {@link #downstreamRemoteAddress} with its port: the peer's (the PROXY protocol header's) when
   * the address is the peer's, 0 when it was read from {@code x-forwarded-for}, as Envoy's. What
   * the network inputs of an HTTP matcher read as the source. Null until the connection manager has
   * run.
   */
  public InetSocketAddress downstreamRemoteSocketAddress() {
    return downstreamRemoteAddress;
  }

  public void setDownstreamRemoteAddress(InetSocketAddress address) {
    this.downstreamRemoteAddress = address;
  }

  /**
   * Merges {@code fields} into the namespace {@code filterNamespace} of the stream's dynamic
   * metadata (Envoy's {@code setDynamicMetadata}: a top-level field already there is replaced, the
   * others stay). Filters write under their own name ({@code envoy.filters.http.jwt_authn}) or the
   * namespace their config names.
   */
  public void setDynamicMetadata(String filterNamespace, Struct fields) {
    Struct current = dynamicMetadata.get(filterNamespace);
    dynamicMetadata.put(
        filterNamespace, current == null ? fields : current.toBuilder().mergeFrom(fields).build());
  }

  /**
   * The stream's dynamic metadata: filter namespace to its fields, in the order namespaces were
   * first written (Envoy's {@code dynamicMetadata().filter_metadata()}). A read-only live view.
   */
  public Map<String, Struct> dynamicMetadata() {
    return Collections.unmodifiableMap(dynamicMetadata);
  }

  /**
   * The stream's object under {@code key}, made by {@code create} on first use: what filters of one
   * stream share with each other (Envoy's {@code FilterState}; the compressor filters of a chain
   * agree on one encoding through it).
   */
  public <T> T filterState(String key, Class<T> type, Supplier<T> create) {
    if (filterState == null) {
      filterState = new HashMap<>(4);
    }
    return type.cast(filterState.computeIfAbsent(key, k -> create.get()));
  }
}
