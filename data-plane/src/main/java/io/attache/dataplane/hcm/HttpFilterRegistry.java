package io.attache.dataplane.hcm;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.ConfiguredHttpFilter;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.filter.admissioncontrol.AdmissionControlFilterType;
import io.attache.dataplane.filter.buffer.BufferFilterType;
import io.attache.dataplane.filter.cache.CacheFilterType;
import io.attache.dataplane.filter.compressor.CompressorFilterType;
import io.attache.dataplane.filter.cors.CorsFilterType;
import io.attache.dataplane.filter.csrf.CsrfFilterType;
import io.attache.dataplane.filter.decompressor.DecompressorFilterType;
import io.attache.dataplane.filter.extauthz.ExtAuthzFilterType;
import io.attache.dataplane.filter.fault.FaultFilterType;
import io.attache.dataplane.filter.grpcbridge.GrpcHttp1BridgeFilterType;
import io.attache.dataplane.filter.grpcbridge.GrpcHttp1ReverseBridgeFilterType;
import io.attache.dataplane.filter.headertometadata.HeaderToMetadataFilterType;
import io.attache.dataplane.filter.healthcheck.HealthCheckFilterType;
import io.attache.dataplane.filter.jwt.JwtAuthnFilterType;
import io.attache.dataplane.filter.localratelimit.LocalRateLimitFilterType;
import io.attache.dataplane.filter.matchdelegate.CompositeFilterType;
import io.attache.dataplane.filter.matchdelegate.ExtensionWithMatcherFilterType;
import io.attache.dataplane.filter.rbac.RbacFilterType;
import io.attache.dataplane.filter.router.RouterFilterType;
import io.attache.dataplane.filter.setmetadata.SetMetadataFilterType;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenFilterType;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The HTTP filters Attaché runs, by the type URL of their config, and the parsing of an HCM's
 * {@code http_filters} into them with Envoy's rules: the router last (added when the list is
 * empty), no terminal filter before it, an unknown type refused unless {@code is_optional}. Adding
 * a filter is one line in {@link #TYPES}.
 */
public final class HttpFilterRegistry {
  private static final Map<String, HttpFilterType<?>> TYPES =
      Stream.<HttpFilterType<?>>of(
              CorsFilterType.INSTANCE,
              BufferFilterType.INSTANCE,
              RbacFilterType.INSTANCE,
              FaultFilterType.INSTANCE,
              LocalRateLimitFilterType.INSTANCE,
              JwtAuthnFilterType.INSTANCE,
              ServiceIdentityTokenFilterType.INSTANCE,
              ExtAuthzFilterType.INSTANCE,
              HeaderToMetadataFilterType.INSTANCE,
              SetMetadataFilterType.INSTANCE,
              CompressorFilterType.INSTANCE,
              DecompressorFilterType.INSTANCE,
              CsrfFilterType.INSTANCE,
              AdmissionControlFilterType.INSTANCE,
              CacheFilterType.INSTANCE,
              HealthCheckFilterType.INSTANCE,
              GrpcHttp1BridgeFilterType.INSTANCE,
              GrpcHttp1ReverseBridgeFilterType.INSTANCE,
              CompositeFilterType.INSTANCE,
              new ExtensionWithMatcherFilterType(HttpFilterRegistry::parseWrapped),
              RouterFilterType.INSTANCE)
          .collect(
              Collectors.toUnmodifiableMap(HttpFilterType::configTypeUrl, Function.identity()));

  private static final Map<String, HttpFilterType<?>> PER_ROUTE_TYPES =
      TYPES.values().stream()
          .flatMap(t -> t.perRouteConfigTypeUrls().stream().map(url -> Map.entry(url, t)))
          .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

  private HttpFilterRegistry() {}

  /**
   * The route table's parser for {@code typed_per_filter_config} values: the registered filter that
   * reads the value's type parses it; null for a type no filter here reads.
   */
  public static Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    HttpFilterType<?> type = PER_ROUTE_TYPES.get(typedConfig.getTypeUrl());
    return type == null ? null : type.parsePerRoute(typedConfig, path);
  }

  /** The type registered for a config type URL. */
  public static Optional<HttpFilterType<?>> type(String typeUrl) {
    return Optional.ofNullable(TYPES.get(typeUrl));
  }

  /** Parses {@code http_filters}; errors name {@code path + ".http_filters[i]"}. */
  static List<ConfiguredHttpFilter<?>> parse(HttpConnectionManager hcm, String path)
      throws ConfigException {
    List<ConfiguredHttpFilter<?>> chain = new ArrayList<>();
    int count = hcm.getHttpFiltersCount();
    for (int i = 0; i < count; i++) {
      HttpFilter filter = hcm.getHttpFilters(i);
      String fp = path + ".http_filters[" + i + "]";
      boolean last = i == count - 1;
      HttpFilterType<?> type = typeOf(filter);
      if (type == null) {
        if (filter.getIsOptional()) {
          continue; // Envoy skips an optional filter it does not have
        }
        throw new ConfigException(
            fp,
            "HTTP filter "
                + filter.getName()
                + " ("
                + filter.getTypedConfig().getTypeUrl()
                + ") is not supported; supported: "
                + TYPES.values().stream().map(HttpFilterType::canonicalName).sorted().toList());
      }
      if (type.terminal() && !last) {
        throw new ConfigException(fp, "the router filter must be the last HTTP filter");
      }
      if (!type.terminal() && last) {
        throw new ConfigException(fp, "the last HTTP filter must be envoy.filters.http.router");
      }
      if (filter.hasConfigDiscovery()) {
        throw new ConfigException(
            fp + ".config_discovery", "filter config discovery (ECDS) is not supported");
      }
      if (type.terminal() && filter.getDisabled()) {
        throw new ConfigException(fp + ".disabled", "the router filter cannot be disabled");
      }
      chain.add(configure(type, filter, fp));
    }
    // No router is added when none is configured (an empty list, or optional filters skipped):
    // Envoy 1.40 then has no filter to answer, and the request waits until a timeout ends it.
    return List.copyOf(chain);
  }

  /**
   * A filter wrapped by an {@code ExtensionWithMatcher} or run by a composite's {@code
   * ExecuteFilterAction}: any registered filter but the router.
   */
  private static ConfiguredHttpFilter<?> parseWrapped(String name, Any typedConfig, String path)
      throws ConfigException {
    HttpFilterType<?> type = TYPES.get(typedConfig.getTypeUrl());
    if (type == null) {
      throw new ConfigException(
          path,
          "HTTP filter "
              + name
              + " ("
              + typedConfig.getTypeUrl()
              + ") is not supported; supported: "
              + TYPES.values().stream()
                  .filter(t -> !t.terminal())
                  .map(HttpFilterType::canonicalName)
                  .sorted()
                  .toList());
    }
    if (type.terminal()) {
      throw new ConfigException(path, "the router filter cannot be wrapped or delegated to");
    }
    return configureWrapped(type, name, typedConfig, path);
  }

  private static <C> ConfiguredHttpFilter<C> configureWrapped(
      HttpFilterType<C> type, String name, Any typedConfig, String path) throws ConfigException {
    return new ConfiguredHttpFilter<>(name, type, type.parse(name, typedConfig, path), false);
  }

  private static HttpFilterType<?> typeOf(HttpFilter filter) {
    if (!filter.hasTypedConfig() && filter.getName().equals(RouterFilterType.NAME)) {
      return RouterFilterType.INSTANCE;
    }
    return TYPES.get(filter.getTypedConfig().getTypeUrl());
  }

  private static <C> ConfiguredHttpFilter<C> configure(
      HttpFilterType<C> type, HttpFilter filter, String path) throws ConfigException {
    C config = type.parse(filter.getName(), filter.getTypedConfig(), path + ".typed_config");
    return new ConfiguredHttpFilter<>(filter.getName(), type, config, filter.getDisabled());
  }
}
