package io.attache.dataplane.iptables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TproxyRulesTest {

  private static final String EMPTY_MANGLE =
      """
      *mangle
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      COMMIT
      """;

  @Test
  void installsIstiosTproxyLayoutWithOwnedConnectionsDivertedBeforeTproxy() {
    CaptureSettings settings =
        new CaptureSettings(15001, 15006, 1337, null, Set.of(18000), Set.of(15000, 22), List.of());

    assertThat(TproxyRules.install(settings, 1337, EMPTY_MANGLE))
        .isEqualTo(
            """
            *mangle
            :ATTACHE_DIVERT - [0:0]
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_TPROXY - [0:0]
            -A ATTACHE_DIVERT -j MARK --set-xmark 0x539/0xffffffff
            -A ATTACHE_DIVERT -j ACCEPT
            -A ATTACHE_INBOUND -i lo -j RETURN
            -A ATTACHE_INBOUND -p tcp -m tcp --dport 22 -j RETURN
            -A ATTACHE_INBOUND -p tcp -m tcp --dport 15000 -j RETURN
            -A ATTACHE_INBOUND -p tcp -m socket -j ATTACHE_DIVERT
            -A ATTACHE_INBOUND -p tcp -j ATTACHE_TPROXY
            -A ATTACHE_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --on-port 15006 --on-ip 0.0.0.0 --tproxy-mark 0x539/0xffffffff
            -A PREROUTING -p tcp -j ATTACHE_INBOUND
            COMMIT
            """);
  }

  @Test
  void reinstallingDeletesTheEarlierJumpAndCleanupRemovesOnlyAttachesChains() {
    String installed =
        EMPTY_MANGLE.replace(
            "COMMIT",
            """
            :ATTACHE_DIVERT - [0:0]
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_TPROXY - [0:0]
            :KUBE-FIREWALL - [0:0]
            -A PREROUTING -p tcp -j ATTACHE_INBOUND
            -A PREROUTING -j KUBE-FIREWALL
            COMMIT""");

    String again = TproxyRules.install(CaptureSettings.defaults(), 1337, installed);
    assertThat(again).contains("-D PREROUTING -p tcp -j ATTACHE_INBOUND\n");
    assertThat(again).doesNotContain("KUBE-FIREWALL");
    assertThat(again.indexOf("-D PREROUTING")).isLessThan(again.indexOf("-A PREROUTING"));

    assertThat(TproxyRules.cleanup(installed))
        .isEqualTo(
            """
            *mangle
            -D PREROUTING -p tcp -j ATTACHE_INBOUND
            :ATTACHE_DIVERT - [0:0]
            :ATTACHE_INBOUND - [0:0]
            :ATTACHE_TPROXY - [0:0]
            -X ATTACHE_DIVERT
            -X ATTACHE_INBOUND
            -X ATTACHE_TPROXY
            COMMIT
            """);
    assertThat(TproxyRules.cleanup(EMPTY_MANGLE)).isEmpty();
  }

  @Test
  void thePolicyRoutingSendsMarkedPacketsToALocalRouteInItsOwnTable() {
    assertThat(String.join(" ", TproxyRules.ruleAdd(1337, 133)))
        .isEqualTo("ip -4 rule add fwmark 1337 lookup 133");
    assertThat(String.join(" ", TproxyRules.routeReplace(133)))
        .isEqualTo("ip -4 route replace local 0.0.0.0/0 dev lo table 133");
  }

  @Test
  void aZeroMarkAndTheKernelsOwnRouteTablesAreRefused() {
    assertThatThrownBy(() -> TproxyRules.requireMark(0)).hasMessageContaining("--tproxy-mark");
    assertThatThrownBy(() -> TproxyRules.requireMark(1L << 32))
        .hasMessageContaining("--tproxy-mark");
    for (int table : new int[] {0, 253, 254, 255}) {
      assertThatThrownBy(() -> TproxyRules.requireRouteTable(table))
          .hasMessageContaining("--tproxy-route-table");
    }
    TproxyRules.requireRouteTable(133);
    TproxyRules.requireMark(1337);
  }
}
