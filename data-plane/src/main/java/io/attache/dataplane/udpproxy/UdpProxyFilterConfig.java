package io.attache.dataplane.udpproxy;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.matcher.MatchInput;
import io.attache.dataplane.matcher.UnifiedMatcher;
import io.envoyproxy.envoy.config.core.v3.UdpSocketConfig;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.Route;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One {@code envoy.filters.udp_listener.udp_proxy} filter, parsed and validated once from Envoy's
 * {@code UdpProxyConfig}: its stat prefix, how a datagram finds its cluster ({@code cluster} or the
 * {@code matcher} of {@code Route} actions), the session {@code idle_timeout}, the hash policy,
 * per-packet load balancing and the upstream sockets' receive size. Immutable. Fields it does not
 * run are refused by name, never ignored.
 */
public record UdpProxyFilterConfig(
    String statPrefix,
    UdpRouter router,
    Duration idleTimeout,
    Optional<HashPolicy> hashPolicy,
    boolean perPacketLoadBalancing,
    int upstreamMaxRxDatagramSize) {

  /** Envoy's default session idle timeout. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** Envoy's default receive buffer for one datagram (DEFAULT_UDP_MAX_DATAGRAM_SIZE). */
  public static final int DEFAULT_MAX_RX_DATAGRAM_SIZE = 64 * 1024;

  /** The unified-matcher inputs Envoy's UDP proxy reads (its UdpMatchingData). */
  private static final Set<String> NETWORK_INPUTS =
      Set.of(
          "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput",
          "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourcePortInput",
          "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput",
          "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3"
              + ".DestinationPortInput");

  private static final String ROUTE_TYPE =
      "type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route";

  /** Envoy's {@code hash_policies} entry: the downstream's IP, or a fixed key. */
  public sealed interface HashPolicy {
    long hash(InetSocketAddress downstream);

    /** {@code source_ip: true}: xxHash64 of the downstream IP as Envoy prints it. */
    record SourceIp() implements HashPolicy {
      @Override
      public long hash(InetSocketAddress downstream) {
        return XxHash64.hash(
            NetUtil.toAddressString(downstream.getAddress()).getBytes(StandardCharsets.US_ASCII));
      }
    }

    /** {@code key}: every session hashes the same, so all go to one host while it is up. */
    record Key(String key) implements HashPolicy {
      @Override
      public long hash(InetSocketAddress downstream) {
        return XxHash64.hash(key.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /** The hash a session's host is chosen by, if the filter has a hash policy. */
  public OptionalLong hashFor(InetSocketAddress downstream) {
    return hashPolicy.map(p -> OptionalLong.of(p.hash(downstream))).orElse(OptionalLong.empty());
  }

  public static UdpProxyFilterConfig from(UdpProxyConfig proto, String path)
      throws ConfigException {
    if (proto.getStatPrefix().isEmpty()) {
      throw new ConfigException(path + ".stat_prefix", "is required");
    }
    if (proto.getUseOriginalSrcIp()) {
      throw new ConfigException(
          path + ".use_original_src_ip",
          "sending upstream from the downstream's address needs IP_TRANSPARENT, root and a"
              + " routing set-up; not supported");
    }
    if (proto.getSessionFiltersCount() > 0) {
      throw new ConfigException(path + ".session_filters", "UDP session filters are not supported");
    }
    if (proto.hasTunnelingConfig()) {
      throw new ConfigException(
          path + ".tunneling_config", "UDP over HTTP tunnelling is not supported");
    }
    if (proto.getAccessLogCount() > 0) {
      throw new ConfigException(path + ".access_log", "UDP session access logs are not supported");
    }
    if (proto.getProxyAccessLogCount() > 0) {
      throw new ConfigException(
          path + ".proxy_access_log", "UDP proxy access logs are not supported");
    }
    if (proto.hasAccessLogOptions()) {
      throw new ConfigException(
          path + ".access_log_options", "UDP session access logs are not supported");
    }
    UdpRouter router =
        switch (proto.getRouteSpecifierCase()) {
          case CLUSTER -> {
            if (proto.getCluster().isEmpty()) {
              throw new ConfigException(path + ".cluster", "must not be empty");
            }
            yield UdpRouter.toCluster(proto.getCluster());
          }
          case MATCHER -> {
            String matcherPath = path + ".matcher";
            UnifiedMatcher.requireInputs(
                proto.getMatcher(), NETWORK_INPUTS, "the UDP proxy", matcherPath);
            yield UdpRouter.matching(
                UnifiedMatcher.compile(
                    proto.getMatcher(),
                    UdpProxyFilterConfig::routeAction,
                    MatchInput.Domain.NETWORK,
                    matcherPath));
          }
          case ROUTESPECIFIER_NOT_SET ->
              throw new ConfigException(path, "one of cluster or matcher is required");
        };
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    if (proto.hasIdleTimeout()) {
      if (proto.getIdleTimeout().getSeconds() < 0 || proto.getIdleTimeout().getNanos() < 0) {
        throw new ConfigException(path + ".idle_timeout", "must not be negative");
      }
      idleTimeout =
          Duration.ofSeconds(
              proto.getIdleTimeout().getSeconds(), proto.getIdleTimeout().getNanos());
    }
    Optional<HashPolicy> hashPolicy = Optional.empty();
    if (proto.getHashPoliciesCount() > 1) {
      throw new ConfigException(path + ".hash_policies", "at most one hash policy is allowed");
    }
    if (proto.getHashPoliciesCount() == 1) {
      UdpProxyConfig.HashPolicy p = proto.getHashPolicies(0);
      String hp = path + ".hash_policies[0]";
      hashPolicy =
          Optional.of(
              switch (p.getPolicySpecifierCase()) {
                case SOURCE_IP -> {
                  if (!p.getSourceIp()) {
                    throw new ConfigException(hp + ".source_ip", "must be true");
                  }
                  yield new HashPolicy.SourceIp();
                }
                case KEY -> {
                  if (p.getKey().isEmpty()) {
                    throw new ConfigException(hp + ".key", "must not be empty");
                  }
                  yield new HashPolicy.Key(p.getKey());
                }
                case POLICYSPECIFIER_NOT_SET ->
                    throw new ConfigException(hp, "one of source_ip or key is required");
              });
    }
    int upstreamMaxRx =
        maxRxDatagramSize(
            proto.hasUpstreamSocketConfig()
                ? Optional.of(proto.getUpstreamSocketConfig())
                : Optional.empty(),
            path + ".upstream_socket_config");
    return new UdpProxyFilterConfig(
        proto.getStatPrefix(),
        router,
        idleTimeout,
        hashPolicy,
        proto.getUsePerPacketLoadBalancing(),
        upstreamMaxRx);
  }

  /**
   * A {@code UdpSocketConfig}'s {@code max_rx_datagram_size} (default 64 KiB; Envoy allows 1 to
   * 65535). {@code prefer_gro} only changes how the kernel batches reads, so it is ignored.
   */
  public static int maxRxDatagramSize(Optional<UdpSocketConfig> config, String path)
      throws ConfigException {
    if (config.isEmpty() || !config.get().hasMaxRxDatagramSize()) {
      return DEFAULT_MAX_RX_DATAGRAM_SIZE;
    }
    long size = config.get().getMaxRxDatagramSize().getValue();
    if (size <= 0 || size >= 65536) {
      throw new ConfigException(
          path + ".max_rx_datagram_size", "must be between 1 and 65535, not " + size);
    }
    return (int) size;
  }

  private static String routeAction(TypedExtensionConfig action, String path)
      throws ConfigException {
    if (!action.getTypedConfig().getTypeUrl().equals(ROUTE_TYPE)) {
      throw new ConfigException(
          path + ".typed_config",
          "the UDP proxy's matcher actions must be envoy.extensions.filters.udp.udp_proxy.v3.Route,"
              + " not "
              + action.getTypedConfig().getTypeUrl());
    }
    try {
      String cluster = action.getTypedConfig().unpack(Route.class).getCluster();
      if (cluster.isEmpty()) {
        throw new ConfigException(path + ".typed_config.cluster", "must not be empty");
      }
      return cluster;
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", "not a Route: " + e.getMessage());
    }
  }
}
