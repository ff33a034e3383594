package io.attache.dataplane.filter.cache;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code CacheConfig}: whether the filter runs, which {@code vary} headers a stored
 * response may name ({@code allowed_vary_headers}), how the cache key is made ({@code
 * key_creator_params}), the largest body stored ({@code max_body_bytes}, 0 for no limit besides the
 * store's) and whether request {@code cache-control} / {@code pragma} are read. Immutable.
 */
record CacheSettings(
    boolean disabled,
    List<StringMatch> allowedVaryHeaders,
    CacheKeys keys,
    long maxBodyBytes,
    boolean ignoreRequestCacheControlHeader) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig";
  static final String SIMPLE_HTTP_CACHE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig";

  static CacheSettings from(Any typedConfig, String path) throws ConfigException {
    CacheConfig proto;
    try {
      proto = typedConfig.unpack(CacheConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a CacheConfig: " + e.getMessage());
    }
    boolean disabled = proto.hasDisabled() && proto.getDisabled().getValue();
    if (!disabled) {
      if (!proto.hasTypedConfig()) {
        throw new ConfigException(path + ".typed_config", "is required unless disabled is true");
      }
      String storage = proto.getTypedConfig().getTypeUrl();
      if (!storage.equals(SIMPLE_HTTP_CACHE_TYPE_URL)) {
        throw new ConfigException(
            path + ".typed_config",
            "cache storage "
                + storage
                + " is not supported; supported: "
                + SIMPLE_HTTP_CACHE_TYPE_URL);
      }
    }
    List<StringMatch> vary = new ArrayList<>();
    for (int i = 0; i < proto.getAllowedVaryHeadersCount(); i++) {
      vary.add(
          StringMatch.compile(
              proto.getAllowedVaryHeaders(i), path + ".allowed_vary_headers[" + i + "]"));
    }
    CacheKeys keys =
        proto.hasKeyCreatorParams()
            ? CacheKeys.from(proto.getKeyCreatorParams(), path + ".key_creator_params")
            : CacheKeys.DEFAULT;
    return new CacheSettings(
        disabled,
        List.copyOf(vary),
        keys,
        Integer.toUnsignedLong(proto.getMaxBodyBytes()),
        proto.getIgnoreRequestCacheControlHeader());
  }

  /** True when every header {@code vary} names is allowed (Envoy's {@code VaryAllowList}). */
  boolean allowsVary(String headerName) {
    for (int i = 0; i < allowedVaryHeaders.size(); i++) {
      if (allowedVaryHeaders.get(i).matches(headerName)) {
        return true;
      }
    }
    return false;
  }
}
