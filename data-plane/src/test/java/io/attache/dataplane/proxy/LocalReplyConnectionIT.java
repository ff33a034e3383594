package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.RawHttp1Client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which local replies keep an HTTP/1.1 connection open, on real sockets: as in Envoy, a reply to a
 * request that has ended keeps it open; a reply sent while the request body is still due closes.
 */
class LocalReplyConnectionIT {
  private static final String ROUTES =
      """
      - match: { path: "/healthz" }
        direct_response: { status: 200, body: { inline_string: "ok" } }
      - match: { path: "/old" }
        redirect: { path_redirect: "/new" }
      """;

  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private RawHttp1Client client() throws Exception {
    // The cluster is never used: every route here answers locally.
    proxy = ProxyHarness.start(bootstrap("", ROUTES, staticCluster("unused", "", 1)));
    return new RawHttp1Client(proxy.port(), 5_000);
  }

  @Test
  void aDirectResponseToAPlainGetKeepsTheConnectionForTheNextRequest() throws Exception {
    try (RawHttp1Client c = client()) {
      for (int i = 0; i < 3; i++) {
        c.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.closes()).isFalse();
      }
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_total")).isEqualTo(1);
  }

  @Test
  void noRouteAndRedirectRepliesKeepTheConnection() throws Exception {
    try (RawHttp1Client c = client()) {
      c.write("GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\nGET /old HTTP/1.1\r\nHost: a\r\n\r\n");
      Response notFound = c.readResponse();
      Response redirect = c.readResponse();
      c.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
      Response health = c.readResponse();

      assertThat(notFound.status()).isEqualTo(404);
      assertThat(notFound.closes()).isFalse();
      assertThat(redirect.status()).isEqualTo(301);
      assertThat(redirect.closes()).isFalse();
      assertThat(health.status()).isEqualTo(200);
    }
  }

  @Test
  void aRequestWithAnEmptyBodyIsAnsweredAndTheConnectionStays() throws Exception {
    try (RawHttp1Client c = client()) {
      c.write("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
      assertThat(c.readResponse().closes()).isFalse();
      c.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(c.readResponse().status()).isEqualTo(200);
    }
  }

  @Test
  void aReplySentWhileTheBodyIsStillDueClosesTheConnection() throws Exception {
    try (RawHttp1Client c = client()) {
      c.write("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc");
      Response r = c.readResponse();

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.closes()).isTrue();
      assertThat(c.closedByPeer()).isTrue();
    }
  }
}
