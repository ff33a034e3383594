package io.attache.dataplane.filter.svid;

import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.Audience;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import io.attache.dataplane.stats.Counter;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The service identity token filter on one stream: when the route names an audience, sets the
 * configured header to the caller's JWT-SVID for it, replacing whatever the app sent there, so the
 * callee only ever sees what this proxy asserts. While no signing key is usable (the SDS secret has
 * not arrived or does not parse) the header is removed and the request goes on without a token,
 * counted, for the callee to judge. Routes without an audience pass untouched. Never refuses a
 * request.
 */
final class ServiceIdentityTokenFilter implements StreamDecoderFilter {
  private final ServiceIdentityTokenConfig config;
  private final JwtSvidMinter minter;
  private final Supplier<Optional<SigningKey>> signingKey;
  private final Counter attached;
  private final Counter noSigningKey;
  private StreamDecoderFilterCallbacks callbacks;

  ServiceIdentityTokenFilter(
      ServiceIdentityTokenConfig config,
      JwtSvidMinter minter,
      Supplier<Optional<SigningKey>> signingKey,
      Counter attached,
      Counter noSigningKey) {
    this.config = config;
    this.minter = minter;
    this.signingKey = signingKey;
    this.attached = attached;
    this.noSigningKey = noSigningKey;
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
    Optional<SigningKey> key = signingKey.get();
    if (key.isEmpty()) {
      request.headers().remove(config.header());
      noSigningKey.inc();
      return FilterHeadersStatus.CONTINUE;
    }
    String token = minter.token(audience, key.get());
    request.headers().set(config.header(), config.bearer() ? "Bearer " + token : token);
    attached.inc();
    return FilterHeadersStatus.CONTINUE;
  }
}
