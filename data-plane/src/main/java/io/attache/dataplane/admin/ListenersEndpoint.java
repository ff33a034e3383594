package io.attache.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Envoy's {@code /listeners}: each active listener's name and the address it is bound to (the real
 * port when the config asked for 0), as {@code name::address} lines or, with {@code ?format=json},
 * an {@code admin.v3.Listeners}. Reads a snapshot of the bound addresses; never touches a socket.
 */
final class ListenersEndpoint {
  private final Supplier<Map<String, InetSocketAddress>> listeners;

  ListenersEndpoint(Supplier<Map<String, InetSocketAddress>> listeners) {
    this.listeners = listeners;
  }

  /** {@code name::ip:port} per listener, IPv6 compressed and in brackets, as Envoy prints it. */
  String text() {
    StringBuilder out = new StringBuilder();
    listeners
        .get()
        .forEach(
            (name, address) -> out.append(name).append("::").append(text(address)).append('\n'));
    return out.toString();
  }

  Listeners proto() {
    Listeners.Builder out = Listeners.newBuilder();
    listeners
        .get()
        .forEach(
            (name, address) ->
                out.addListenerStatuses(
                    ListenerStatus.newBuilder().setName(name).setLocalAddress(proto(address))));
    return out.build();
  }

  private static String text(InetSocketAddress address) {
    String ip = NetUtil.toAddressString(address.getAddress());
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + address.getPort();
  }

  private static Address proto(InetSocketAddress address) {
    return Address.newBuilder()
        .setSocketAddress(
            SocketAddress.newBuilder()
                .setAddress(NetUtil.toAddressString(address.getAddress()))
                .setPortValue(address.getPort()))
        .build();
  }
}
