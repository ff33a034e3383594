package io.attache.dataplane.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TunnelingConfigTest {
  private static final TunnelValue.ConnectionValues CONNECTION =
      new TunnelValue.ConnectionValues(
          new InetSocketAddress("127.0.0.2", 40001),
          new InetSocketAddress("127.0.0.1", 10000),
          "db.example.com");

  private static HeaderValueOption header(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
        .build();
  }

  private static String head(TcpProxy.TunnelingConfig proto) throws ConfigException {
    return new String(
        TunnelingConfig.from(proto, "tunneling_config").request(CONNECTION).http1Head(),
        StandardCharsets.ISO_8859_1);
  }

  @Test
  void aConnectTunnelNamesTheHostnameInAuthorityFormAndAddsTheFormattedHeaders() throws Exception {
    String head =
        head(
            TcpProxy.TunnelingConfig.newBuilder()
                .setHostname("%REQUESTED_SERVER_NAME%:443")
                .addHeadersToAdd(header("original_dst_port", "%DOWNSTREAM_LOCAL_PORT%"))
                .addHeadersToAdd(header("x-client", "%DOWNSTREAM_REMOTE_ADDRESS%"))
                .build());

    assertThat(head)
        .isEqualTo(
            "CONNECT db.example.com:443 HTTP/1.1\r\n"
                + "host: db.example.com:443\r\n"
                + "original_dst_port: 10000\r\n"
                + "x-client: 127.0.0.2:40001\r\n"
                + "\r\n");
  }

  @Test
  void usePostSendsAPostToPostPathWithTheHostnameAsHost() throws Exception {
    assertThat(
            head(
                TcpProxy.TunnelingConfig.newBuilder()
                    .setHostname("host.com:443")
                    .setUsePost(true)
                    .build()))
        .isEqualTo("POST / HTTP/1.1\r\nhost: host.com:443\r\n\r\n");
    assertThat(
            head(
                TcpProxy.TunnelingConfig.newBuilder()
                    .setHostname("host.com:443")
                    .setUsePost(true)
                    .setPostPath("/tunnel")
                    .build()))
        .startsWith("POST /tunnel HTTP/1.1\r\n");
  }

  @Test
  void anOverwritingHeaderReplacesTheEarlierOneAndAnEmptyValueIsDroppedUnlessKept()
      throws Exception {
    String head =
        head(
            TcpProxy.TunnelingConfig.newBuilder()
                .setHostname("h:1")
                .addHeadersToAdd(header("a", "1"))
                .addHeadersToAdd(
                    header("a", "2").toBuilder()
                        .setAppendAction(
                            HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addHeadersToAdd(header("empty", ""))
                .addHeadersToAdd(header("kept", "").toBuilder().setKeepEmptyValue(true))
                .build());

    assertThat(head).isEqualTo("CONNECT h:1 HTTP/1.1\r\nhost: h:1\r\na: 2\r\nkept: \r\n\r\n");
  }

  @Test
  void refusesByFieldPathWhatEnvoyRefuses() {
    assertThatThrownBy(
            () ->
                TunnelingConfig.from(
                    TcpProxy.TunnelingConfig.newBuilder()
                        .setHostname("h:1")
                        .setPostPath("/p")
                        .build(),
                    "tunneling_config"))
        .hasMessageContaining("tunneling_config.post_path")
        .hasMessageContaining("use_post");
    assertThatThrownBy(
            () ->
                TunnelingConfig.from(
                    TcpProxy.TunnelingConfig.newBuilder()
                        .setHostname("h:1")
                        .setUsePost(true)
                        .setPostPath("p")
                        .build(),
                    "tunneling_config"))
        .hasMessageContaining("must start with '/'");
    assertThatThrownBy(
            () ->
                TunnelingConfig.from(
                    TcpProxy.TunnelingConfig.newBuilder()
                        .setHostname("h:1")
                        .addHeadersToAdd(header(":path", "/x"))
                        .build(),
                    "tunneling_config"))
        .hasMessageContaining("tunneling_config.headers_to_add[0].header.key");
    assertThatThrownBy(
            () ->
                TunnelingConfig.from(
                    TcpProxy.TunnelingConfig.newBuilder().setHostname("%UPSTREAM_HOST%:1").build(),
                    "tunneling_config"))
        .hasMessageContaining("tunneling_config.hostname")
        .hasMessageContaining("%UPSTREAM_HOST%");
    assertThatThrownBy(
            () ->
                TunnelingConfig.from(
                    TcpProxy.TunnelingConfig.newBuilder().build(), "tunneling_config"))
        .hasMessageContaining("tunneling_config.hostname");
  }

  @Test
  void readsTheStatusOfAnHttp1StatusLineAndNothingElse() {
    assertThat(Http1TunnelHandshake.statusOf("HTTP/1.1 200 OK\r\n\r\n")).isEqualTo(200);
    assertThat(Http1TunnelHandshake.statusOf("HTTP/1.0 204\r\n\r\n")).isEqualTo(204);
    assertThat(Http1TunnelHandshake.statusOf("HTTP/1.1 404 Not Found\r\n\r\n")).isEqualTo(404);
    assertThat(Http1TunnelHandshake.statusOf("HTTP/1.1 2000 x\r\n\r\n")).isZero();
    assertThat(Http1TunnelHandshake.statusOf("SSH-2.0-OpenSSH\r\n\r\n")).isZero();
  }
}
