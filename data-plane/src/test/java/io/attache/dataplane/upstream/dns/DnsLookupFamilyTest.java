package io.attache.dataplane.upstream.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsLookupFamilyTest {
  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByAddress(
          io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private final InetAddress v4 = ip("10.0.0.1");
  private final InetAddress v6 = ip("fd00::1");
  private final List<InetAddress> both = List.of(v6, v4);

  @Test
  void prefersIpv6ForAutoAndIpv4ForV4Preferred() {
    assertThat(DnsLookupFamily.AUTO.select(both, a -> a)).containsExactly(v6);
    assertThat(DnsLookupFamily.AUTO.select(List.of(v4), a -> a)).containsExactly(v4);
    assertThat(DnsLookupFamily.V4_PREFERRED.select(both, a -> a)).containsExactly(v4);
    assertThat(DnsLookupFamily.V4_PREFERRED.select(List.of(v6), a -> a)).containsExactly(v6);
  }

  @Test
  void keepsOnlyTheAskedFamily() {
    assertThat(DnsLookupFamily.V4_ONLY.select(both, a -> a)).containsExactly(v4);
    assertThat(DnsLookupFamily.V6_ONLY.select(both, a -> a)).containsExactly(v6);
    assertThat(DnsLookupFamily.V6_ONLY.select(List.of(v4), a -> a)).isEmpty();
  }

  @Test
  void keepsBothFamiliesForAllIpv4First() {
    assertThat(DnsLookupFamily.ALL.select(both, a -> a)).containsExactly(v4, v6);
  }
}
