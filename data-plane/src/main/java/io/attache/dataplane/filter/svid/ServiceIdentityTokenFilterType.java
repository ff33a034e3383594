package io.attache.dataplane.filter.svid;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import io.attache.dataplane.stats.Counter;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code attache.filters.http.service_identity_token}: parses {@code ServiceIdentityToken} once;
 * per listener one {@link JwtSvidMinter} (the token cache), the signing key (inline, or read from
 * the proxy's SDS secrets) and the counters {@code
 * http.<stat_prefix>.service_identity_token.minted} (signatures), {@code .attached} (requests that
 * got a token) and {@code .no_signing_key} (requests sent without one because no key was usable);
 * reads {@code ServiceIdentityTokenPerRoute}.
 */
public final class ServiceIdentityTokenFilterType
    implements HttpFilterType<ServiceIdentityTokenConfig> {
  public static final ServiceIdentityTokenFilterType INSTANCE =
      new ServiceIdentityTokenFilterType();

  private ServiceIdentityTokenFilterType() {}

  @Override
  public String canonicalName() {
    return ServiceIdentityTokenConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return ServiceIdentityTokenConfig.TYPE_URL;
  }

  @Override
  public ServiceIdentityTokenConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return ServiceIdentityTokenConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(
      ServiceIdentityTokenConfig config, FilterFactoryContext context) {
    String prefix = "http." + context.statPrefix() + ".service_identity_token.";
    JwtSvidMinter minter =
        new JwtSvidMinter(config, context.clock(), context.stats().counter(prefix + "minted"));
    Counter attached = context.stats().counter(prefix + "attached");
    Counter noSigningKey = context.stats().counter(prefix + "no_signing_key");
    Supplier<Optional<SigningKey>> signingKey;
    if (config.inlineKey().isPresent()) {
      Optional<SigningKey> inline = config.inlineKey();
      signingKey = () -> inline;
    } else {
      signingKey = new SdsSigningKey(context.secrets(), config.sdsSecretName())::current;
    }
    return callbacks ->
        callbacks.addStreamDecoderFilter(
            new ServiceIdentityTokenFilter(config, minter, signingKey, attached, noSigningKey));
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(ServiceIdentityTokenConfig.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return ServiceIdentityTokenConfig.perRoute(typedConfig, path);
  }
}
