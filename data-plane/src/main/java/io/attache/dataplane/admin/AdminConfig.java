package io.attache.dataplane.admin;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap's {@code admin} block, validated once: where the admin endpoint listens and the
 * access logs for admin requests. Unlike Envoy (no {@code admin} block = no admin endpoint), an
 * absent block means the Attaché default {@code 127.0.0.1:15000}, so every proxy has {@code /ready}
 * and {@code /stats}.
 */
public record AdminConfig(InetSocketAddress address, List<AccessLog> accessLogs) {
  public static final int DEFAULT_PORT = 15000;
  public static final AdminConfig DEFAULT =
      new AdminConfig(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT), List.of());

  public AdminConfig {
    accessLogs = List.copyOf(accessLogs);
  }

  /** The admin endpoint on {@code address} with no access log. */
  public static AdminConfig listeningOn(InetSocketAddress address) {
    return new AdminConfig(address, List.of());
  }

  public static AdminConfig fromBootstrap(Bootstrap bootstrap) throws ConfigException {
    return bootstrap.hasAdmin() ? fromProto(bootstrap.getAdmin(), "admin") : DEFAULT;
  }

  public static AdminConfig fromProto(Admin admin, String path) throws ConfigException {
    if (admin.getSocketOptionsCount() > 0) {
      throw new ConfigException(path + ".socket_options", "socket options are not supported");
    }
    InetSocketAddress address = DEFAULT.address();
    if (admin.hasAddress()) {
      String addressPath = path + ".address";
      if (!admin.getAddress().hasSocketAddress()) {
        throw new ConfigException(addressPath, "only socket_address is supported");
      }
      address =
          socketAddress(admin.getAddress().getSocketAddress(), addressPath + ".socket_address");
    }
    List<AccessLog> logs = new ArrayList<>(admin.getAccessLogList());
    if (!admin.getAccessLogPath().isEmpty()) {
      // The deprecated field is a file logger with Envoy's default format.
      logs.add(
          AccessLog.newBuilder()
              .setName("envoy.access_loggers.file")
              .setTypedConfig(
                  com.google.protobuf.Any.pack(
                      FileAccessLog.newBuilder().setPath(admin.getAccessLogPath()).build()))
              .build());
    }
    return new AdminConfig(address, logs);
  }

  private static InetSocketAddress socketAddress(SocketAddress proto, String path)
      throws ConfigException {
    if (proto.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(path + ".protocol", "the admin endpoint is TCP only");
    }
    if (!proto.getResolverName().isEmpty()) {
      throw new ConfigException(path + ".resolver_name", "custom resolvers are not supported");
    }
    if (proto.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
      throw new ConfigException(path + ".named_port", "named ports are not supported");
    }
    if (proto.getPortValue() > 65535) {
      throw new ConfigException(path + ".port_value", "must be at most 65535");
    }
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(proto.getAddress());
    if (ip == null) {
      throw new ConfigException(
          path + ".address", "must be an IP address, got '" + proto.getAddress() + "'");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), proto.getPortValue());
    } catch (UnknownHostException e) {
      throw new ConfigException(path + ".address", "bad IP address", e);
    }
  }
}
