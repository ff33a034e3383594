package io.attache.dataplane.xds;

import static io.attache.dataplane.xds.TestResources.genericSecret;
import static io.attache.dataplane.xds.TestResources.inlineListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.attache.api.ext.v1.ServiceIdentityTokenPerRoute;
import io.attache.dataplane.filter.svid.SvidKeys;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A listener whose HCM runs the service identity token filter waits, like one naming a TLS secret,
 * for its SDS signing key, over real sockets with a real ADS server: on an update the old listener
 * keeps serving (its requests carry no token, none goes out without a key) and counts in {@code
 * listener_manager.total_listeners_warming} at once, not at the next stats flush; a new listener is
 * not bound; once the key arrives both serve with the filter and sign with it. The wait's timeout
 * is {@link AdsClientTest}'s, on virtual time.
 */
class SigningKeyWarmingIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String KEY = "jwt-svid-signing-key";
  private static final String TOKEN_HEADER = "x-service-identity";

  private AdsTestServer controlPlane;
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    controlPlane = new AdsTestServer().start();
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    controlPlane.close();
    upstream.close();
  }

  /** Routes to {@code backend}; with the filter, each request asks for a token for it. */
  private static Listener listener(String name, boolean minting) {
    RouteConfiguration routes = TestResources.routes("local_route", "backend");
    if (!minting) {
      return inlineListener(name, List.of(), routes);
    }
    RouteConfiguration.Builder withAudience = routes.toBuilder();
    withAudience
        .getVirtualHostsBuilder(0)
        .getRoutesBuilder(0)
        .putTypedPerFilterConfig(
            "attache.filters.http.service_identity_token",
            Any.pack(ServiceIdentityTokenPerRoute.newBuilder().setAudience("backend").build()));
    return inlineListener(name, List.of(TestResources.svidFilter(KEY)), withAudience.build());
  }

  private void serve(String version, List<Listener> listeners, List<Secret> secrets) {
    controlPlane.setSnapshot(
        Snapshot.create(List.of(), List.of(), listeners, List.of(), secrets, version));
  }

  private TestHttpServer.Received through(String listener) throws Exception {
    int port = proxy.server().listenerAddresses().get(listener).getPort();
    HttpResponse<String> response =
        proxy.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/call")));
    assertThat(response.statusCode()).isEqualTo(200);
    List<TestHttpServer.Received> received = upstream.received();
    return received.get(received.size() - 1);
  }

  private long warming() {
    return proxy.stat("listener_manager.total_listeners_warming");
  }

  @Test
  void anUpdatedOrAddedListenerWithTheTokenFilterServesOnlyOnceItsSigningKeyArrived()
      throws Exception {
    serve("1", List.of(listener("ingress", false)), List.of());
    proxy = ProxyHarness.start(TestResources.ldsBootstrap(controlPlane.port(), upstream.port()));
    await().atMost(WAIT).until(() -> proxy.server().listenerAddresses().containsKey("ingress"));
    assertThat(warming()).isZero();

    serve("2", List.of(listener("ingress", true), listener("egress", true)), List.of());
    await().atMost(WAIT).until(() -> warming() == 2);
    assertThat(through("ingress").headers().contains(TOKEN_HEADER))
        .as("the old listener serves, without the filter")
        .isFalse();
    assertThat(proxy.server().listenerAddresses())
        .as("the new one is not bound")
        .doesNotContainKey("egress");
    assertThat(proxy.stat("listener_manager.total_listeners_active")).isEqualTo(1);

    SvidKeys keys = SvidKeys.p256("k1");
    List<Listener> both = List.of(listener("ingress", true), listener("egress", true));
    serve("3", both, List.of(genericSecret(KEY, keys.privateJwk())));
    await().atMost(WAIT).until(() -> warming() == 0);
    List<String> tokens = new ArrayList<>();
    for (String name : List.of("ingress", "egress")) {
      String token = through(name).headers().get(TOKEN_HEADER);
      assertThat(token).as(name).isNotNull();
      tokens.add(token);
    }
    assertThat(tokens).allSatisfy(t -> assertThat(keys.verifies(t)).isTrue());
    assertThat(proxy.stat("http.ingress.service_identity_token.attached")).isEqualTo(2);
    assertThat(proxy.stat("http.ingress.service_identity_token.no_signing_key"))
        .as("no request went out through the filter before its key")
        .isZero();
    assertThat(proxy.stat("sds." + KEY + ".update_success")).isEqualTo(1);
    assertThat(proxy.stat("listener_manager.total_listeners_active")).isEqualTo(2);
  }
}
