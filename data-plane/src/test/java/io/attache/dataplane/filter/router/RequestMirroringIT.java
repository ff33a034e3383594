package io.attache.dataplane.filter.router;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Request mirroring through a real proxy on real sockets: the shadow reaches a second, recording
 * upstream with the {@code -shadow} authority and the whole body, its failure and its slowness
 * never reach the client, and the shadow cluster counts it.
 */
class RequestMirroringIT {
  private static final String ROUTES =
      """
      - match: { prefix: "/" }
        route:
          cluster: main
          request_mirror_policies:
          - cluster: mirror
      """;

  @Test
  void theShadowReachesTheMirrorWithTheShadowAuthorityAndItsErrorNeverReachesTheClient()
      throws Exception {
    try (TestHttpServer main = TestHttpServer.http1(r -> Reply.ok("from main"));
        TestHttpServer mirror = TestHttpServer.http1(r -> Reply.status(503));
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    "",
                    ROUTES,
                    staticCluster("main", "", main.port())
                        + staticCluster("mirror", "", mirror.port())))) {
      HttpResponse<String> response =
          proxy.send(
              HttpRequest.newBuilder(proxy.uri("/orders?id=7"))
                  .POST(HttpRequest.BodyPublishers.ofString("the payload")));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("from main");
      await().atMost(Duration.ofSeconds(10)).until(() -> mirror.received().size() == 1);
      TestHttpServer.Received shadow = mirror.received().get(0);
      assertThat(shadow.method()).isEqualTo("POST");
      assertThat(shadow.uri()).isEqualTo("/orders?id=7");
      assertThat(shadow.body()).isEqualTo("the payload");
      assertThat(shadow.headers().get("host")).isEqualTo("127.0.0.1-shadow:" + proxy.port());
      assertThat(main.received().get(0).headers().get("host"))
          .isEqualTo("127.0.0.1:" + proxy.port());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("cluster.mirror.upstream_rq_503") == 1);
      assertThat(proxy.stat("cluster.mirror.upstream_rq_total")).isEqualTo(1);
      assertThat(proxy.stat("cluster.main.upstream_rq_200")).isEqualTo(1);
      assertThat(proxy.stat("cluster.main.upstream_rq_503")).isZero();
      assertThat(proxy.stat("http.ingress.downstream_rq_2xx")).isEqualTo(1);
    }
  }

  @Test
  void aMirrorThatHasNotAnsweredYetDoesNotHoldTheClientsResponse() throws Exception {
    CountDownLatch mirrorMayAnswer = new CountDownLatch(1);
    try (TestHttpServer main = TestHttpServer.http1(r -> Reply.ok("from main"));
        TestHttpServer mirror =
            TestHttpServer.http1(
                r -> {
                  try {
                    mirrorMayAnswer.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return Reply.ok("late shadow");
                });
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    "",
                    ROUTES,
                    staticCluster("main", "", main.port())
                        + staticCluster("mirror", "", mirror.port())))) {
      HttpResponse<String> response = proxy.get("/");

      assertThat(response.body()).isEqualTo("from main");
      await().atMost(Duration.ofSeconds(10)).until(() -> mirror.received().size() == 1);
      assertThat(proxy.stat("cluster.mirror.upstream_rq_200")).isZero();
      mirrorMayAnswer.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("cluster.mirror.upstream_rq_200") == 1);
    } finally {
      mirrorMayAnswer.countDown();
    }
  }

  @Test
  void aMirrorThatCannotBeReachedChargesAConnectFailureToItsClusterOnly() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (TestHttpServer main = TestHttpServer.http1(r -> Reply.ok("from main"));
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    "",
                    ROUTES,
                    staticCluster("main", "", main.port())
                        + staticCluster("mirror", "", closedPort)))) {
      assertThat(proxy.get("/").body()).isEqualTo("from main");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("cluster.mirror.upstream_rq_503") == 1);
      assertThat(proxy.stat("cluster.mirror.upstream_cx_connect_fail")).isEqualTo(1);
      assertThat(proxy.stat("cluster.main.upstream_rq_200")).isEqualTo(1);
    }
  }
}
