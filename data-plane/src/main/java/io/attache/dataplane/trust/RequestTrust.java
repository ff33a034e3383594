package io.attache.dataplane.trust;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The HTTP connection manager's trust decisions for one listener, as Envoy's {@code
 * ConnectionManagerUtility::mutateRequestHeaders} makes them: who the client is ({@code
 * use_remote_address}, {@code xff_num_trusted_hops}, {@code x-forwarded-for}), whether the request
 * is internal ({@code internal_address_config}), and so which {@code x-envoy-*} control headers a
 * request may carry past this proxy. A client never sets {@code x-envoy-internal} itself, and an
 * external one can set none of the headers that steer retries, timeouts, tracing or identity.
 * Immutable; {@link #apply} runs on the event loop and never blocks (only IP literals are parsed).
 */
public final class RequestTrust {
  static final AsciiString X_ENVOY_INTERNAL = AsciiString.cached("x-envoy-internal");
  static final AsciiString X_ENVOY_EXTERNAL_ADDRESS =
      AsciiString.cached("x-envoy-external-address");
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

  /** Stripped from edge requests only: the service identity and span name a caller claims. */
  static final List<AsciiString> EDGE_ONLY_HEADERS =
      List.of(
          AsciiString.cached("x-envoy-decorator-operation"),
          AsciiString.cached("x-envoy-downstream-service-cluster"),
          AsciiString.cached("x-envoy-downstream-service-node"));

  /** Stripped from every external request: what steers the router, tracing and tagging. */
  static final List<AsciiString> INTERNAL_ONLY_ENVOY_HEADERS =
      List.of(
          AsciiString.cached("x-envoy-retriable-status-codes"),
          AsciiString.cached("x-envoy-retriable-header-names"),
          AsciiString.cached("x-envoy-retry-on"),
          AsciiString.cached("x-envoy-retry-grpc-on"),
          AsciiString.cached("x-envoy-max-retries"),
          AsciiString.cached("x-envoy-upstream-alt-stat-name"),
          AsciiString.cached("x-envoy-upstream-rq-timeout-ms"),
          AsciiString.cached("x-envoy-upstream-rq-per-try-timeout-ms"),
          AsciiString.cached("x-envoy-upstream-rq-timeout-alt-response"),
          AsciiString.cached("x-envoy-expected-rq-timeout-ms"),
          AsciiString.cached("x-envoy-force-trace"),
          AsciiString.cached("x-envoy-ip-tags"),
          AsciiString.cached("x-envoy-original-url"),
          // Envoy drops a caller's own x-envoy-original-path too (the fix for CVE-2023-27487;
          // EdgeDifferentialIT sees stock Envoy 1.40 do it).
          AsciiString.cached("x-envoy-original-path"),
          AsciiString.cached("x-envoy-hedge-on-per-try-timeout"));

  private final boolean useRemoteAddress;
  private final int xffNumTrustedHops;
  private final boolean skipXffAppend;
  private final InternalAddressConfig internalAddresses;
  private final List<AsciiString> internalOnlyHeaders;
  private final InetAddress localAddress;

  /**
   * @param internalOnlyHeaders the route configuration's {@code internal_only_headers}, lower case
   * @param localAddress the server's own address ({@link LocalAddress}): what {@code
   *     x-forwarded-for} records for a loopback peer, as in Envoy
   */
  public RequestTrust(
      boolean useRemoteAddress,
      int xffNumTrustedHops,
      boolean skipXffAppend,
      InternalAddressConfig internalAddresses,
      List<String> internalOnlyHeaders,
      InetAddress localAddress) {
    this.localAddress = localAddress;
    this.useRemoteAddress = useRemoteAddress;
    this.xffNumTrustedHops = xffNumTrustedHops;
    this.skipXffAppend = skipXffAppend;
    this.internalAddresses = internalAddresses;
    this.internalOnlyHeaders = internalOnlyHeaders.stream().map(AsciiString::of).toList();
  }

  /**
   * Decides where the request comes from and rewrites its headers accordingly: {@code
   * x-forwarded-for} and {@code x-forwarded-proto}, {@code x-envoy-internal} (set only by the
   * proxy), the {@code x-envoy-*} control headers and {@code internal_only_headers} (dropped unless
   * internal) and {@code x-envoy-external-address} (set at the edge).
   *
   * @param peer the socket peer of the downstream connection
   * @param scheme {@code https} on a TLS connection, else {@code http}
   */
  public RequestOrigin apply(HttpHeaders headers, InetSocketAddress peer, String scheme) {
    headers.remove(X_ENVOY_INTERNAL);
    InetAddress peerAddress = peer.getAddress();
    InetAddress client = null;
    boolean trustedAddressChecks;
    boolean forwarded;
    if (useRemoteAddress) {
      trustedAddressChecks = !headers.contains(X_FORWARDED_FOR);
      if (xffNumTrustedHops > 0) {
        client = lastForwardedFor(headers, xffNumTrustedHops - 1).address();
      }
      forwarded = client != null;
      if (client == null) {
        client = peerAddress;
      }
      if (!skipXffAppend) {
        String xff = forwardedFor(headers);
        // Envoy appends its own address, not the loopback one, for a peer on this host.
        String ip = (peerAddress.isLoopbackAddress() ? localAddress : peerAddress).getHostAddress();
        headers.set(X_FORWARDED_FOR, xff == null || xff.isEmpty() ? ip : xff + "," + ip);
      }
      // The previous hop is only trusted for the scheme when it is a trusted proxy.
      if (xffNumTrustedHops == 0 || !headers.contains(X_FORWARDED_PROTO)) {
        headers.set(X_FORWARDED_PROTO, scheme);
      }
    } else {
      ForwardedAddress fromXff = lastForwardedFor(headers, xffNumTrustedHops);
      client = fromXff.address();
      trustedAddressChecks = fromXff.single();
      forwarded = client != null;
    }
    if (!headers.contains(X_FORWARDED_PROTO)) {
      headers.set(X_FORWARDED_PROTO, scheme);
    }
    boolean internal =
        trustedAddressChecks && client != null && internalAddresses.isInternal(client);
    if (client == null) {
      client = peerAddress;
    }
    boolean edge = !internal && useRemoteAddress;
    if (internal) {
      headers.set(X_ENVOY_INTERNAL, "true");
    } else {
      if (edge) {
        removeAll(headers, EDGE_ONLY_HEADERS);
      }
      removeAll(headers, INTERNAL_ONLY_ENVOY_HEADERS);
      removeAll(headers, internalOnlyHeaders);
    }
    if (edge) {
      headers.set(X_ENVOY_EXTERNAL_ADDRESS, client.getHostAddress());
    }
    return new RequestOrigin(forwarded ? new InetSocketAddress(client, 0) : peer, internal, edge);
  }

  private static void removeAll(HttpHeaders headers, List<AsciiString> names) {
    for (int i = 0; i < names.size(); i++) {
      headers.remove(names.get(i));
    }
  }

  /** All {@code x-forwarded-for} values as one list, or null when there is none. */
  private static String forwardedFor(HttpHeaders headers) {
    List<String> values = headers.getAll(X_FORWARDED_FOR);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  /** An address read from {@code x-forwarded-for}, and whether it was the only entry. */
  record ForwardedAddress(InetAddress address, boolean single) {
    static final ForwardedAddress NONE = new ForwardedAddress(null, false);
  }

  /**
   * Envoy's {@code getLastAddressFromXFF}: skips the last {@code skip} entries and parses the one
   * before them, which must be an IP literal; {@code single} only when it was the only entry and
   * nothing was skipped.
   */
  static ForwardedAddress lastForwardedFor(HttpHeaders headers, int skip) {
    String xff = forwardedFor(headers);
    if (xff == null) {
      return ForwardedAddress.NONE;
    }
    int end = xff.length();
    for (int i = 0; i < skip; i++) {
      int comma = xff.lastIndexOf(',', end - 1);
      if (comma < 0) {
        return ForwardedAddress.NONE;
      }
      end = comma;
    }
    int comma = xff.lastIndexOf(',', end - 1);
    String entry = xff.substring(comma + 1, end).strip();
    InetAddress address = NetUtil.createInetAddressFromIpAddressString(entry);
    if (address == null) {
      return ForwardedAddress.NONE;
    }
    return new ForwardedAddress(address, comma < 0 && skip == 0);
  }
}
