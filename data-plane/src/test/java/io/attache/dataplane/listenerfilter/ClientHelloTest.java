package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SNI and ALPN read from ClientHellos a real TLS client wrote, without consuming a byte. */
class ClientHelloTest {

  @Test
  void readsServerNameAndAlpnFromARealClientHello() throws Exception {
    ByteBuf in =
        Unpooled.wrappedBuffer(TlsClientHellos.clientHello("API.example.com", "h2", "http/1.1"));

    ClientHello.Result r = ClientHello.parse(in);

    assertThat(r.outcome()).isEqualTo(ClientHello.Outcome.FOUND);
    assertThat(r.serverName()).isEqualTo("api.example.com");
    assertThat(r.alpn()).containsExactly("h2", "http/1.1");
    assertThat(in.readerIndex()).isZero();
  }

  @Test
  void aClientHelloWithoutSniOrAlpnIsStillTls() throws Exception {
    ClientHello.Result r =
        ClientHello.parse(Unpooled.wrappedBuffer(TlsClientHellos.clientHello("")));

    assertThat(r.outcome()).isEqualTo(ClientHello.Outcome.FOUND);
    assertThat(r.serverName()).isEmpty();
    assertThat(r.alpn()).isEmpty();
  }

  @Test
  void everyTruncationOfAClientHelloAsksForMoreBytes() throws Exception {
    byte[] hello = TlsClientHellos.clientHello("a.example.com", "h2");
    for (int n = 1; n < hello.length; n++) {
      ClientHello.Result r = ClientHello.parse(Unpooled.wrappedBuffer(Arrays.copyOf(hello, n)));
      assertThat(r.outcome())
          .as("first %d of %d bytes", n, hello.length)
          .isEqualTo(ClientHello.Outcome.NEED_MORE);
    }
  }

  @Test
  void aHandshakeSplitAcrossTwoRecordsIsReassembled() throws Exception {
    byte[] hello = TlsClientHellos.clientHello("split.example.com");
    int body = hello.length - 5;
    int first = body / 2;
    ByteBuf in = Unpooled.buffer();
    in.writeBytes(hello, 0, 3).writeShort(first).writeBytes(hello, 5, first);
    in.writeBytes(hello, 0, 3).writeShort(body - first).writeBytes(hello, 5 + first, body - first);

    ClientHello.Result r = ClientHello.parse(in);

    assertThat(r.outcome()).isEqualTo(ClientHello.Outcome.FOUND);
    assertThat(r.serverName()).isEqualTo("split.example.com");
  }

  @Test
  void plaintextIsNotTlsFromItsFirstByte() {
    ByteBuf http = Unpooled.copiedBuffer("G", StandardCharsets.US_ASCII);

    assertThat(ClientHello.parse(http).outcome()).isEqualTo(ClientHello.Outcome.NOT_TLS);
  }

  @Test
  void aRecordClaimingMoreThan64KiBIsTooLarge() {
    ByteBuf in = Unpooled.buffer();
    in.writeByte(22).writeByte(3).writeByte(1).writeShort(16384);
    in.writeByte(1).writeMedium(70_000);

    assertThat(ClientHello.parse(in).outcome()).isEqualTo(ClientHello.Outcome.TOO_LARGE);
  }
}
