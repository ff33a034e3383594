package io.attache.dataplane.filter.fault;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One {@code envoy.filters.http.fault} configuration ({@code
 * extensions.filters.http.fault.v3.HTTPFault}), parsed and validated once — either the filter's own
 * config or a route's {@code typed_per_filter_config} override. Immutable; holds no counters (those
 * live in {@link FaultInjector}).
 *
 * <p>The {@code *_runtime} keys are accepted and ignored: only route {@code runtime_fraction} reads
 * {@code layered_runtime}, so every value comes from the config itself, which is what Envoy does
 * when the runtime key is unset.
 */
public record HttpFaultConfig(
    Optional<FaultDelayConfig> delay,
    Optional<FaultAbortConfig> abort,
    String upstreamCluster,
    List<HeaderMatch> headers,
    Set<String> downstreamNodes,
    OptionalLong maxActiveFaults,
    boolean disableDownstreamClusterStats) {

  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
  public static final String FILTER_NAME = "envoy.filters.http.fault";

  /**
   * Unpacks an {@code HttpFilter.typed_config} (or a per-route override); errors name {@code
   * fieldPath}.
   */
  public static HttpFaultConfig from(Any typedConfig, String fieldPath) throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(
          fieldPath, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(typedConfig.unpack(HTTPFault.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not an HTTPFault: " + e.getMessage());
    }
  }

  public static HttpFaultConfig from(HTTPFault proto, String fieldPath) throws ConfigException {
    if (proto.hasResponseRateLimit()) {
      throw new ConfigException(
          fieldPath + ".response_rate_limit", "response rate limiting faults are not supported");
    }
    Optional<FaultDelayConfig> delay =
        proto.hasDelay()
            ? Optional.of(FaultDelayConfig.from(proto.getDelay(), fieldPath + ".delay"))
            : Optional.empty();
    Optional<FaultAbortConfig> abort =
        proto.hasAbort()
            ? Optional.of(FaultAbortConfig.from(proto.getAbort(), fieldPath + ".abort"))
            : Optional.empty();
    List<HeaderMatch> headers =
        HeaderMatch.compileAll(proto.getHeadersList(), fieldPath + ".headers");
    OptionalLong maxActive =
        proto.hasMaxActiveFaults()
            ? OptionalLong.of(Integer.toUnsignedLong(proto.getMaxActiveFaults().getValue()))
            : OptionalLong.empty();
    return new HttpFaultConfig(
        delay,
        abort,
        proto.getUpstreamCluster(),
        headers,
        Set.copyOf(proto.getDownstreamNodesList()),
        maxActive,
        proto.getDisableDownstreamClusterStats());
  }
}
