package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostStats;
import org.junit.jupiter.api.Test;

class HostTest {
  @Test
  void spellsItsAddressAsEnvoyDoesSoRingHashKeysMatch() {
    assertThat(TestHosts.healthy("10.0.0.1").addressString()).isEqualTo("10.0.0.1:80");
    assertThat(TestHosts.healthy("fd00:0:0:0:0:0:0:1").addressString()).isEqualTo("[fd00::1]:80");
  }

  @Test
  void refusesAWeightBelowOne() {
    assertThatThrownBy(() -> TestHosts.host("10.0.0.1", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void measuresLoadByActiveRequests() {
    Host host = TestHosts.healthy("10.0.0.1");
    host.stats().onRequestStarted();
    host.stats().onRequestStarted();
    host.stats().onRequestFinished(HostStats.RequestOutcome.ERROR);

    assertThat(host.activeRequests()).isEqualTo(1);
  }
}
