package io.attache.dataplane.filter.rbac;

import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;

/**
 * The RBAC filter on one stream: checks the request headers against the listener's {@link
 * RbacFilter} and answers 403 {@code RBAC: access denied} when they are denied, before anything
 * after it in the chain (the router included) sees the request.
 */
final class RbacHttpFilter implements StreamDecoderFilter {
  private final RbacFilter filter;
  private StreamDecoderFilterCallbacks callbacks;

  RbacHttpFilter(RbacFilter filter) {
    this.filter = filter;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    DownstreamConnection c = callbacks.connection();
    RbacRequest view =
        RbacRequest.of(
            request,
            c.scheme(),
            c.directRemoteAddress(),
            clientAddress(c),
            c.localAddress(),
            c.peerIdentity(),
            callbacks.streamInfo().dynamicMetadata());
    RbacFilter.Result result = filter.check(view, callbacks.streamInfo());
    if (result.verdict() == RbacFilter.Verdict.DENY) {
      callbacks.sendLocalReply(403, RbacFilter.DENIED_BODY, result.responseCodeDetails());
      return FilterHeadersStatus.STOP_ITERATION;
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /** The connection manager's trusted client address; the downstream peer if it set none. */
  private InetSocketAddress clientAddress(DownstreamConnection c) {
    InetSocketAddress trusted = callbacks.streamInfo().downstreamRemoteSocketAddress();
    return trusted != null ? trusted : c.remoteAddress();
  }
}
