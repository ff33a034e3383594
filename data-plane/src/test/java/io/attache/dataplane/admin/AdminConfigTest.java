package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.SocketOption;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AdminConfigTest {
  private static Admin admin(String ip, int port) {
    return Admin.newBuilder()
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)))
        .build();
  }

  @Test
  void defaultsToLoopback15000WithoutAnAdminBlock() throws Exception {
    AdminConfig config = AdminConfig.fromBootstrap(Bootstrap.getDefaultInstance());
    assertThat(config.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 15000));
    assertThat(config.accessLogs()).isEmpty();
  }

  @Test
  void readsTheSocketAddress() throws Exception {
    AdminConfig config =
        AdminConfig.fromBootstrap(Bootstrap.newBuilder().setAdmin(admin("0.0.0.0", 9901)).build());
    assertThat(config.address()).isEqualTo(new InetSocketAddress("0.0.0.0", 9901));
  }

  @Test
  void rejectsAHostnameNamingTheField() {
    assertThatThrownBy(() -> AdminConfig.fromProto(admin("localhost", 9901), "admin"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("admin.address.socket_address.address: must be an IP address");
  }

  @Test
  void rejectsSocketOptions() {
    Admin admin =
        admin("127.0.0.1", 1).toBuilder().addSocketOptions(SocketOption.newBuilder()).build();
    assertThatThrownBy(() -> AdminConfig.fromProto(admin, "admin"))
        .hasMessageStartingWith("admin.socket_options:");
  }

  @Test
  void turnsTheDeprecatedAccessLogPathIntoAFileAccessLog() throws Exception {
    AdminConfig config =
        AdminConfig.fromProto(
            admin("127.0.0.1", 1).toBuilder().setAccessLogPath("/dev/null").build(), "admin");
    assertThat(config.accessLogs()).hasSize(1);
    assertThat(config.accessLogs().get(0).getTypedConfig().unpack(FileAccessLog.class).getPath())
        .isEqualTo("/dev/null");
  }
}
