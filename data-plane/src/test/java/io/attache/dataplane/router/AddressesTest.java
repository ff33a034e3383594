package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
  @Test
  void printsAddressesInEnvoysCompressedForm() throws Exception {
    assertThat(Addresses.toText(InetAddress.getByName("10.1.2.3"))).isEqualTo("10.1.2.3");
    assertThat(Addresses.toText(InetAddress.getByName("::1"))).isEqualTo("::1");
    assertThat(Addresses.toText(InetAddress.getByName("::"))).isEqualTo("::");
    assertThat(Addresses.toText(InetAddress.getByName("2001:db8:0:0:1:0:0:1")))
        .isEqualTo("2001:db8::1:0:0:1");
    assertThat(Addresses.toText(InetAddress.getByName("2001:db8:0:1:1:1:1:1")))
        .isEqualTo("2001:db8:0:1:1:1:1:1");
    assertThat(Addresses.toText(InetAddress.getByName("fe80:0:0:0:0:0:0:5"))).isEqualTo("fe80::5");
  }
}
