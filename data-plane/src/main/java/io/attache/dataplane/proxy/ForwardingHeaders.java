package io.attache.dataplane.proxy;

import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;

/**
 * The request headers Envoy's connection manager sets before any filter runs: {@code
 * x-forwarded-for}, {@code x-forwarded-proto}, {@code x-forwarded-client-cert} and {@code
 * x-request-id}, with the edge rules ({@code use_remote_address}: an external client may neither
 * force tracing nor choose its request id). Stateless.
 */
final class ForwardingHeaders {
  private ForwardingHeaders() {}

  /** Sets the headers on {@code h}; returns the request id (null when none and none generated). */
  static String apply(
      HttpHeaders h,
      HttpConnectionManagerConfig hcm,
      DownstreamSink downstream,
      RandomSource random) {
    boolean edgeRequest = !internal(hcm, downstream);
    if (hcm.useRemoteAddress()) {
      if (!hcm.skipXffAppend()) {
        String ip = downstream.remoteAddress().getAddress().getHostAddress();
        String xff = h.get("x-forwarded-for");
        h.set("x-forwarded-for", xff == null || xff.isEmpty() ? ip : xff + "," + ip);
      }
      h.set("x-forwarded-proto", downstream.scheme());
    } else if (!h.contains("x-forwarded-proto")) {
      h.set("x-forwarded-proto", downstream.scheme());
    }
    hcm.forwardClientCert().apply(h, downstream.tls());
    if (edgeRequest) {
      // Envoy never lets an external client force tracing or steer retries.
      h.remove("x-envoy-force-trace");
      if (!hcm.preserveExternalRequestId()) {
        h.remove("x-request-id");
      }
    }
    String requestId = h.get("x-request-id");
    if ((requestId == null || requestId.isEmpty()) && hcm.generateRequestId()) {
      requestId = RequestIds.uuid4(random);
      h.set("x-request-id", requestId);
    }
    return requestId;
  }

  /**
   * False only for a request from an external (not loopback, site- or link-local) peer on a {@code
   * use_remote_address} listener: Envoy's edge request, whose {@code x-envoy-*} headers it ignores.
   */
  static boolean internal(HttpConnectionManagerConfig hcm, DownstreamSink downstream) {
    if (!hcm.useRemoteAddress()) {
      return true;
    }
    InetAddress remote = downstream.remoteAddress().getAddress();
    return remote.isLoopbackAddress() || remote.isSiteLocalAddress() || remote.isLinkLocalAddress();
  }
}
