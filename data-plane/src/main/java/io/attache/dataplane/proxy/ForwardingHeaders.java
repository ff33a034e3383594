package io.attache.dataplane.proxy;

import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.UserAgent;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.trust.RequestOrigin;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The request headers Envoy's connection manager sets before any filter runs, in its order: the
 * trust decision ({@code x-forwarded-for}, {@code x-forwarded-proto}, {@code x-envoy-internal} and
 * the {@code x-envoy-*} control headers, by {@code trust.RequestTrust}), then {@code
 * scheme_header_transformation}'s scheme, then {@code add_user_agent}'s headers, then {@code
 * x-forwarded-client-cert}, then {@code x-request-id} (an external client may not choose its own
 * unless {@code preserve_external_request_id}). Stateless.
 */
final class ForwardingHeaders {
  private ForwardingHeaders() {}

  /** What the connection manager decided about one request. */
  record Applied(RequestOrigin origin, String requestId) {}

  /**
   * Sets the headers on {@code h}; the request id is null when there is none and none was
   * generated.
   */
  static Applied apply(
      HttpHeaders h,
      HttpConnectionManagerConfig hcm,
      UserAgent userAgent,
      DownstreamSink downstream,
      RandomSource random) {
    RequestOrigin origin = hcm.trust().apply(h, downstream.remoteAddress(), downstream.scheme());
    hcm.schemeToOverwrite().ifPresent(scheme -> h.set("x-forwarded-proto", scheme));
    userAgent.apply(h);
    hcm.forwardClientCert().apply(h, downstream.tls());
    if (origin.edge() && !hcm.preserveExternalRequestId()) {
      h.remove("x-request-id");
    }
    String requestId = h.get("x-request-id");
    if ((requestId == null || requestId.isEmpty()) && hcm.generateRequestId()) {
      requestId = RequestIds.uuid4(random);
      h.set("x-request-id", requestId);
    }
    return new Applied(origin, requestId);
  }
}
