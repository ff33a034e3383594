package io.attache.dataplane.iptables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NatRulesTest {

  private static final String EMPTY_NAT =
      """
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      COMMIT
      """;

  @Test
  void installsIstiosLayoutInAttachesOwnChainsWithTheProxyExemptFirst() {
    CaptureSettings settings =
        new CaptureSettings(
            15001,
            15006,
            1337,
            1337L,
            Set.of(18000, 5432),
            Set.of(15000, 22),
            List.of("10.0.0.0/8"));

    assertThat(NatRules.install(settings, EMPTY_NAT))
        .isEqualTo(
            """
            *nat
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_IN_REDIRECT - [0:0]
            :ATTACHE_OUTPUT - [0:0]
            :ATTACHE_REDIRECT - [0:0]
            -A ATTACHE_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
            -A ATTACHE_REDIRECT -p tcp -j REDIRECT --to-ports 15001
            -A ATTACHE_INBOUND -i lo -j RETURN
            -A ATTACHE_INBOUND -p tcp -m tcp --dport 22 -j RETURN
            -A ATTACHE_INBOUND -p tcp -m tcp --dport 15000 -j RETURN
            -A ATTACHE_INBOUND -p tcp -j ATTACHE_IN_REDIRECT
            -A ATTACHE_OUTPUT -m owner --uid-owner 1337 -j RETURN
            -A ATTACHE_OUTPUT -m owner --gid-owner 1337 -j RETURN
            -A ATTACHE_OUTPUT -o lo -j RETURN
            -A ATTACHE_OUTPUT -d 127.0.0.0/8 -j RETURN
            -A ATTACHE_OUTPUT -d 10.0.0.0/8 -j RETURN
            -A ATTACHE_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN
            -A ATTACHE_OUTPUT -p tcp -m tcp --dport 18000 -j RETURN
            -A ATTACHE_OUTPUT -j ATTACHE_REDIRECT
            -A PREROUTING -p tcp -j ATTACHE_INBOUND
            -A OUTPUT -p tcp -j ATTACHE_OUTPUT
            COMMIT
            """);
  }

  @Test
  void reinstallingDeletesTheEarlierJumpsInTheSameTransaction() {
    String installed =
        EMPTY_NAT.replace(
            "COMMIT",
            """
            :ATTACHE_OUTPUT - [0:0]
            -A OUTPUT -p tcp -j ATTACHE_OUTPUT
            -A OUTPUT -p tcp -m tcp --dport 53 -j DNAT --to-destination 10.0.0.10
            COMMIT""");

    String again = NatRules.install(CaptureSettings.defaults(), installed);

    assertThat(again).contains("-D OUTPUT -p tcp -j ATTACHE_OUTPUT\n");
    assertThat(again).doesNotContain("-D OUTPUT -p tcp -m tcp --dport 53");
    assertThat(again.indexOf("-D OUTPUT")).isLessThan(again.indexOf("-A OUTPUT"));
  }

  @Test
  void outboundOnlyForTproxyModeRedirectsNothingInboundAndRemovesAnEarlierInboundCapture() {
    String redirectMode = NatRules.install(CaptureSettings.defaults(), EMPTY_NAT);
    String installed =
        EMPTY_NAT.replace(
            "COMMIT",
            """
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_IN_REDIRECT - [0:0]
            :ATTACHE_OUTPUT - [0:0]
            :ATTACHE_REDIRECT - [0:0]
            -A PREROUTING -p tcp -j ATTACHE_INBOUND
            -A OUTPUT -p tcp -j ATTACHE_OUTPUT
            COMMIT""");

    String tproxyMode = NatRules.install(CaptureSettings.defaults(), installed, false);

    assertThat(redirectMode).contains("-A PREROUTING -p tcp -j ATTACHE_INBOUND");
    assertThat(tproxyMode)
        .contains(
            "-D PREROUTING -p tcp -j ATTACHE_INBOUND\n",
            "-X ATTACHE_INBOUND\n",
            "-X ATTACHE_IN_REDIRECT\n",
            "-A ATTACHE_REDIRECT -p tcp -j REDIRECT --to-ports 15001\n",
            "-A OUTPUT -p tcp -j ATTACHE_OUTPUT\n")
        .doesNotContain("-A PREROUTING", "-A ATTACHE_INBOUND", "--to-ports 15006");
    assertThat(NatRules.install(CaptureSettings.defaults(), EMPTY_NAT, false))
        .as("nothing to remove on a first run")
        .doesNotContain("ATTACHE_INBOUND", "ATTACHE_IN_REDIRECT");
  }

  @Test
  void cleanupRemovesTheJumpsThenFlushesAndDeletesOnlyAttachesChains() {
    String installed =
        EMPTY_NAT.replace(
            "COMMIT",
            """
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_OUTPUT - [0:0]
            :KUBE-SERVICES - [0:0]
            -A PREROUTING -p tcp -j ATTACHE_INBOUND
            -A OUTPUT -p tcp -j ATTACHE_OUTPUT
            -A OUTPUT -j KUBE-SERVICES
            COMMIT""");

    assertThat(NatRules.cleanup(installed))
        .isEqualTo(
            """
            *nat
            -D PREROUTING -p tcp -j ATTACHE_INBOUND
            -D OUTPUT -p tcp -j ATTACHE_OUTPUT
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_OUTPUT - [0:0]
            -X ATTACHE_INBOUND
            -X ATTACHE_OUTPUT
            COMMIT
            """);
    assertThat(NatRules.cleanup(EMPTY_NAT)).isEmpty();
  }

  @Test
  void cidrsAreWrittenAsIptablesPrintsThemAndIpv6IsRefused() {
    assertThat(CaptureSettings.normalisedCidr("10.1.2.3")).isEqualTo("10.1.2.3/32");
    assertThat(CaptureSettings.normalisedCidr("10.1.2.3/16")).isEqualTo("10.1.0.0/16");
    assertThatThrownBy(() -> CaptureSettings.normalisedCidr("fd00::/8"))
        .hasMessageContaining("IPv6");
    assertThatThrownBy(() -> CaptureSettings.normalisedCidr("10.1.2.300/8"))
        .hasMessageContaining("not an IPv4 CIDR");
  }

  @Test
  void theSamePortForBothDirectionsIsRefused() {
    assertThatThrownBy(
            () -> new CaptureSettings(15001, 15001, 1337, null, Set.of(), Set.of(), List.of()))
        .hasMessageContaining("must differ");
  }
}
