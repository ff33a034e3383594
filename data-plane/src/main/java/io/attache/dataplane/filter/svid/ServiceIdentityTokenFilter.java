package io.attache.dataplane.filter.svid;

import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.Audience;
import io.attache.dataplane.stats.Counter;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The service identity token filter on one stream: when the route names an audience, sets the
 * configured header to the caller's JWT-SVID for it, replacing whatever the app sent there, so the
 * callee only ever sees what this proxy asserts. Routes without an audience pass untouched. Never
 * refuses a request.
 */
final class ServiceIdentityTokenFilter implements StreamDecoderFilter {
  private final ServiceIdentityTokenConfig config;
  private final JwtSvidMinter minter;
  private final Counter attached;
  private StreamDecoderFilterCallbacks callbacks;

  ServiceIdentityTokenFilter(
      ServiceIdentityTokenConfig config, JwtSvidMinter minter, Counter attached) {
    this.config = config;
    this.minter = minter;
    this.attached = attached;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    String audience = callbacks.perRouteConfig(Audience.class).map(Audience::audience).orElse("");
    if (audience.isEmpty()) {
      return FilterHeadersStatus.CONTINUE;
    }
    String token = minter.token(audience);
    request.headers().set(config.header(), config.bearer() ? "Bearer " + token : token);
    attached.inc();
    return FilterHeadersStatus.CONTINUE;
  }
}
