package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.MutualTls;
import io.attache.api.policy.v1.OutboundTrafficPolicy;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The transparent-interception layout for a node whose TCP iptables captures ({@link
 * Sidecar#intercepted()}), in the shape Istio's sidecars have and a stock Envoy accepts: the
 * outbound listener reads the original destination ({@code envoy.filters.listener.original_dst})
 * and picks a filter chain by it — per service port, the services' virtual IPs and endpoint IPs
 * ({@code destination_port} + {@code prefix_ranges}) lead to the HTTP connection manager with the
 * mesh's routes; everything else goes to {@code PassthroughCluster} (ORIGINAL_DST, ALLOW_ANY) or
 * {@code BlackHoleCluster} (REGISTRY_ONLY) through {@code tcp_proxy}. The inbound listener gets the
 * same listener filter and matches the app's port. Pure.
 */
final class TransparentLayout {

  static final String PASSTHROUGH_CHAIN = "PassthroughFilterChain";
  static final String INBOUND_PASSTHROUGH_CHAIN = "InboundPassthroughFilterChain";

  private TransparentLayout() {}

  /** REGISTRY_ONLY refuses unknown destinations; anything else lets them through. */
  static boolean registryOnly(MeshDefaults defaults) {
    return defaults.getOutboundTrafficPolicy() == OutboundTrafficPolicy.REGISTRY_ONLY;
  }

  /** The cluster an intercepted connection to an address no service owns goes to. */
  static String unknownDestinationCluster(MeshDefaults defaults) {
    return registryOnly(defaults) ? XdsNames.BLACKHOLE_CLUSTER : XdsNames.PASSTHROUGH_CLUSTER;
  }

  /**
   * The virtual outbound listener: bound where iptables sends outbound TCP, one HTTP chain per
   * service port matched by original destination, the traffic policy's chain for the rest.
   */
  static Listener outbound(PolicySnapshot policy, Sidecar sidecar, Filter httpConnectionManager) {
    Listener.Builder listener =
        base(
            XdsNames.OUTBOUND_LISTENER, sidecar.outboundAddress(), sidecar.outboundPort(), sidecar);
    for (Map.Entry<Integer, List<ServiceAddresses.Claim>> port :
        ServiceAddresses.byPort(policy).entrySet()) {
      FilterChainMatch.Builder match =
          FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port.getKey()));
      for (ServiceAddresses.Claim claim : port.getValue()) {
        for (String address : claim.addresses()) {
          match.addPrefixRanges(
              CidrRange.newBuilder()
                  .setAddressPrefix(address)
                  .setPrefixLen(UInt32Value.of(ServiceAddresses.prefixLength(address))));
        }
      }
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setName("outbound|" + port.getKey())
              .setFilterChainMatch(match)
              .addFilters(httpConnectionManager));
    }
    String unknown = unknownDestinationCluster(policy.defaults());
    return listener
        .setDefaultFilterChain(
            FilterChain.newBuilder()
                .setName(PASSTHROUGH_CHAIN)
                .addFilters(tcpProxy(unknown, unknown)))
        .build();
  }

  /**
   * Whether inbound connections to ports the sidecar does not front go on to their original
   * destination in the clear: yes unless mTLS is STRICT, which (as in Istio) covers every port, so
   * then such connections have no chain and are closed.
   */
  static boolean inboundPassthrough(MeshDefaults defaults, Sidecar sidecar) {
    return sidecar.hasApp() && defaults.getMtls().getMode() != MutualTls.Mode.STRICT;
  }

  /**
   * The intercepted inbound listener: the explicit layout's chains, each matched to the app's port
   * by original destination, and the passthrough chain for other ports when {@link
   * #inboundPassthrough} allows it.
   */
  static Listener inbound(Listener explicit, Sidecar sidecar, MeshDefaults defaults) {
    Listener.Builder listener = explicit.toBuilder().clearListenerFilters();
    listener.addListenerFilters(originalDst());
    listener.addAllListenerFilters(explicit.getListenerFiltersList());
    if (sidecar.interception() == Sidecar.Interception.TPROXY) {
      listener.setTransparent(BoolValue.of(true));
    }
    for (FilterChain.Builder chain : listener.getFilterChainsBuilderList()) {
      chain.getFilterChainMatchBuilder().setDestinationPort(UInt32Value.of(sidecar.appPort()));
      if (chain.getName().isEmpty()) {
        chain.setName("inbound|" + sidecar.appPort());
      }
    }
    if (inboundPassthrough(defaults, sidecar)) {
      listener.setDefaultFilterChain(
          FilterChain.newBuilder()
              .setName(INBOUND_PASSTHROUGH_CHAIN)
              .addFilters(
                  tcpProxy(
                      XdsNames.INBOUND_PASSTHROUGH_CLUSTER, XdsNames.INBOUND_PASSTHROUGH_CLUSTER)));
    }
    return listener.build();
  }

  /** Clusters the layout refers to: the traffic policy's, and inbound passthrough when used. */
  static List<Cluster> clusters(MeshDefaults defaults, Sidecar sidecar) {
    List<Cluster> clusters = new ArrayList<>();
    if (registryOnly(defaults)) {
      clusters.add(
          Cluster.newBuilder()
              .setName(XdsNames.BLACKHOLE_CLUSTER)
              .setType(Cluster.DiscoveryType.STATIC)
              .setLoadAssignment(
                  ClusterLoadAssignment.newBuilder().setClusterName(XdsNames.BLACKHOLE_CLUSTER))
              .build());
    } else {
      clusters.add(originalDstCluster(XdsNames.PASSTHROUGH_CLUSTER, defaults));
    }
    if (inboundPassthrough(defaults, sidecar)) {
      clusters.add(originalDstCluster(XdsNames.INBOUND_PASSTHROUGH_CLUSTER, defaults));
    }
    return clusters;
  }

  private static Cluster originalDstCluster(String name, MeshDefaults defaults) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
    if (defaults.hasConnectTimeout()) {
      cluster.setConnectTimeout(defaults.getConnectTimeout());
    }
    return cluster.build();
  }

  private static Listener.Builder base(String name, String address, int port, Sidecar sidecar) {
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress(address).setPortValue(port)))
            .addListenerFilters(originalDst());
    if (sidecar.interception() == Sidecar.Interception.TPROXY) {
      listener.setTransparent(BoolValue.of(true));
    }
    return listener;
  }

  private static ListenerFilter originalDst() {
    return ListenerFilter.newBuilder()
        .setName(XdsNames.ORIGINAL_DST_LISTENER_FILTER)
        .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance()))
        .build();
  }

  private static Filter tcpProxy(String statPrefix, String cluster) {
    return Filter.newBuilder()
        .setName(XdsNames.TCP_PROXY)
        .setTypedConfig(
            Any.pack(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster).build()))
        .build();
  }
}
