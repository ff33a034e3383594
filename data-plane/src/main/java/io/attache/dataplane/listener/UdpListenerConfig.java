package io.attache.dataplane.listener;

import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.udpproxy.UdpProxyFilterConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One UDP listener ({@code address.socket_address.protocol: UDP}), parsed and validated once from
 * Envoy's {@code Listener}: where it binds, the largest datagram it receives ({@code
 * udp_listener_config.downstream_socket_config.max_rx_datagram_size}) and its one listener filter,
 * {@code envoy.filters.udp_listener.udp_proxy}. Immutable. A UDP listener has no filter chains
 * (those are QUIC's, which is refused).
 */
public record UdpListenerConfig(
    String name,
    InetSocketAddress address,
    int maxRxDatagramSize,
    UdpProxyFilterConfig udpProxy,
    Listener proto) {

  private static final String UDP_PROXY_TYPE =
      "type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig";

  /** Whether {@code listener} binds a UDP socket (and so is parsed here, not as TCP). */
  public static boolean isUdp(Listener listener) {
    return listener.getAddress().hasSocketAddress()
        && listener.getAddress().getSocketAddress().getProtocol() == SocketAddress.Protocol.UDP;
  }

  public static UdpListenerConfig from(Listener listener, String path) throws ConfigException {
    InetSocketAddress address =
        ListenerConfig.anyProtocol(
            listener.getAddress().getSocketAddress(), path + ".address.socket_address");
    String name =
        listener.getName().isEmpty()
            ? address.getHostString() + "_" + address.getPort()
            : listener.getName();
    if (listener.getFilterChainsCount() > 0 || listener.hasDefaultFilterChain()) {
      throw new ConfigException(
          path + ".filter_chains",
          "a UDP listener runs its listener_filters (udp_proxy); filter chains on UDP are QUIC's,"
              + " which is not supported");
    }
    if (listener.getTransparent().getValue()) {
      throw new ConfigException(path + ".transparent", "not supported on a UDP listener");
    }
    if (listener.getUseOriginalDst().getValue()) {
      throw new ConfigException(path + ".use_original_dst", "not supported on a UDP listener");
    }
    if (listener.hasBindToPort() && !listener.getBindToPort().getValue()) {
      throw new ConfigException(path + ".bind_to_port", "a UDP listener must bind its port");
    }
    int maxRx = UdpProxyFilterConfig.DEFAULT_MAX_RX_DATAGRAM_SIZE;
    if (listener.hasUdpListenerConfig()) {
      io.envoyproxy.envoy.config.listener.v3.UdpListenerConfig udp =
          listener.getUdpListenerConfig();
      String udpPath = path + ".udp_listener_config";
      if (udp.hasQuicOptions()) {
        throw new ConfigException(udpPath + ".quic_options", "QUIC is not supported");
      }
      if (udp.hasUdpPacketPacketWriterConfig()) {
        throw new ConfigException(
            udpPath + ".udp_packet_packet_writer_config",
            "custom packet writers are not supported");
      }
      maxRx =
          UdpProxyFilterConfig.maxRxDatagramSize(
              udp.hasDownstreamSocketConfig()
                  ? Optional.of(udp.getDownstreamSocketConfig())
                  : Optional.empty(),
              udpPath + ".downstream_socket_config");
    }
    if (listener.getListenerFiltersCount() != 1) {
      throw new ConfigException(
          path + ".listener_filters",
          "a UDP listener needs exactly one listener filter, envoy.filters.udp_listener.udp_proxy"
              + " (found "
              + listener.getListenerFiltersCount()
              + ")");
    }
    ListenerFilter filter = listener.getListenerFilters(0);
    String filterPath = path + ".listener_filters[0]";
    if (!filter.getTypedConfig().getTypeUrl().equals(UDP_PROXY_TYPE)) {
      throw new ConfigException(
          filterPath + ".typed_config",
          "the only UDP listener filter supported is envoy.filters.udp_listener.udp_proxy"
              + " (UdpProxyConfig), not '"
              + filter.getTypedConfig().getTypeUrl()
              + "'");
    }
    UdpProxyConfig proto;
    try {
      proto = filter.getTypedConfig().unpack(UdpProxyConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(
          filterPath + ".typed_config", "not a UdpProxyConfig: " + e.getMessage());
    }
    return new UdpListenerConfig(
        name,
        address,
        maxRx,
        UdpProxyFilterConfig.from(proto, filterPath + ".typed_config"),
        listener);
  }
}
