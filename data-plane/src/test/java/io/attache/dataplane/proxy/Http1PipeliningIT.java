package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.TestHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 pipelining through the proxy on real sockets. */
class Http1PipeliningIT {
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void servesMoreThan128PipelinedRequestsInOrderWithoutClosing() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));
    int n = 300;
    StringBuilder burst = new StringBuilder();
    for (int i = 0; i < n; i++) {
      burst.append("GET /r").append(i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
    }
    try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 10_000)) {
      client.write(burst.toString());
      for (int i = 0; i < n; i++) {
        RawHttp1Client.Response r = client.readResponse();
        assertThat(r).as("response %d", i).isNotNull();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("GET /r" + i);
        assertThat(r.closes()).isFalse();
      }
    }
  }
}
