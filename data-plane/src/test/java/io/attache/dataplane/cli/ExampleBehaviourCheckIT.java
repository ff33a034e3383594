package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The census's behaviour check end to end, on every build: a front-proxy shaped bootstrap (the
 * examples' kind, with host names for endpoints and an HTTP/2 cluster), a TLS one (chains chosen by
 * SNI, a client certificate required, TLS passthrough, clusters that originate TLS and validate the
 * sandbox CA) and a UDP proxy, each run by Attaché and by stock Envoy against local upstreams, each
 * derivable route probed once; the two agree on everything the check compares. A route table in
 * which Attaché and Envoy pick different clusters is reported as a difference, not hidden.
 */
@ExtendWith(StockEnvoyExtension.class)
class ExampleBehaviourCheckIT {
  @TempDir Path work;

  @Test
  void aFrontProxyBootstrapBehavesTheSameInAttacheAndInStockEnvoy(Envoy envoy) {
    ExampleBehaviourCheck.Outcome outcome =
        ExampleBehaviourCheck.check(
            "front-proxy", ExampleBehaviourCheckTest.FRONT_PROXY, envoy, work);

    assertThat(outcome.differences()).isEmpty();
    assertThat(outcome.status()).isEqualTo("agree");
    assertThat(outcome.requests()).isEqualTo(4);
  }

  @Test
  void aTlsFrontProxyBootstrapBehavesTheSameInAttacheAndInStockEnvoy(Envoy envoy) {
    ExampleBehaviourCheck.Outcome outcome =
        ExampleBehaviourCheck.check(
            "tls-front-proxy", ExampleBehaviourCheckTest.TLS_FRONT_PROXY, envoy, work);

    assertThat(outcome.differences()).isEmpty();
    assertThat(outcome.status()).isEqualTo("agree");
    assertThat(outcome.requests()).isEqualTo(5);
  }

  @Test
  void aUdpProxyBootstrapBehavesTheSameInAttacheAndInStockEnvoy(Envoy envoy) {
    ExampleBehaviourCheck.Outcome outcome =
        ExampleBehaviourCheck.check("udp", ExampleBehaviourCheckTest.UDP_PROXY, envoy, work);

    assertThat(outcome.differences()).isEmpty();
    assertThat(outcome.status()).isEqualTo("agree");
    assertThat(outcome.requests()).isEqualTo(1);
  }
}
