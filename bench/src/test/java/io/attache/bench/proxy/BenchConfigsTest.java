package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchConfigsTest {
  private final BenchConfigs.Ports ports = new BenchConfigs.Ports(18080);

  @Test
  void theProxyBootstrapPassesAttachesOwnValidationWithAHundredClusters() throws Exception {
    Bootstrap bootstrap =
        BootstrapLoader.parse(
            BenchConfigs.proxyBootstrap(ports, ports.attache(1), ports.attacheAdmin(1), 100),
            false);

    ProxyServer.validate(bootstrap);

    assertThat(bootstrap.getStaticResources().getClustersCount()).isEqualTo(100);
    assertThat(
            bootstrap
                .getStaticResources()
                .getListeners(0)
                .getAddress()
                .getSocketAddress()
                .getPortValue())
        .isEqualTo(ports.attache(1));
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue())
        .isEqualTo(ports.attacheAdmin(1));
  }

  @Test
  void everyContestantGetsOneWorkerAndKeepAliveToTheSameUpstream() {
    String nginx = BenchConfigs.nginxProxy(Path.of("/tmp/b"), ports, 100, false);
    String haproxy = BenchConfigs.haproxy(ports, 100);

    assertThat(nginx)
        .contains("worker_processes 1;")
        .contains("keepalive 64;")
        .contains("proxy_set_header Connection \"\";")
        .doesNotContain("user root;");
    assertThat(nginx.split("upstream c", -1)).hasSize(101);
    assertThat(haproxy).contains("nbthread 1").contains("http-reuse always");
    assertThat(haproxy.split("\nbackend c", -1)).hasSize(101);
    assertThat(BenchConfigs.upstreamNginx(Path.of("/tmp/b"), ports, true))
        .contains("user root;")
        .contains("listen 127.0.0.1:18080;")
        .contains("listen 127.0.0.1:18081 http2;");
  }

  @Test
  void portsDoNotOverlapBetweenContestants() {
    assertThat(
            java.util.stream.IntStream.of(
                    ports.upstreamH1(),
                    ports.upstreamH2(),
                    ports.nginxH1(),
                    ports.nginxH2(),
                    ports.haproxyH1(),
                    ports.haproxyH2(),
                    ports.envoy(),
                    ports.envoyAdmin(),
                    ports.attache(0),
                    ports.attacheAdmin(0),
                    ports.attache(1),
                    ports.attacheAdmin(1))
                .distinct()
                .count())
        .isEqualTo(12);
  }
}
