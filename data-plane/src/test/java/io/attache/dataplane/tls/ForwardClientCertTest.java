package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.security.PeerIdentity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardClientCertTest {
  private static final TestPki.Ca CA = TestPki.newCa("xfcc-ca");
  private static final TestPki.Issued CALLER =
      CA.issue("caller", List.of("spiffe://attache.test/sa/caller"), List.of("caller.local"));
  private static final TlsSession MUTUAL =
      new TlsSession(
          new PeerIdentity(
              List.of("spiffe://attache.test/sa/caller"),
              List.of("caller.local"),
              CALLER.certificate().getSubjectX500Principal().getName()),
          List.of(CALLER.certificate()),
          List.of("spiffe://attache.test/sa/me"));
  private static final TlsSession SERVER_ONLY =
      new TlsSession(PeerIdentity.NONE, List.of(), List.of("spiffe://attache.test/sa/me"));
  private static final String HASH = ForwardClientCert.sha256Hex(CALLER.certificate());

  private static HttpHeaders forged() {
    return new DefaultHttpHeaders().set(ForwardClientCert.HEADER, "URI=spiffe://evil");
  }

  private static String apply(
      ForwardClientCert.Mode mode, ForwardClientCert.Details d, TlsSession s) {
    HttpHeaders h = forged();
    new ForwardClientCert(mode, d).apply(h, s);
    return h.get(ForwardClientCert.HEADER);
  }

  @Test
  void sanitizeRemovesTheHeaderEvenOnMutualTls() {
    assertThat(apply(ForwardClientCert.Mode.SANITIZE, ForwardClientCert.Details.NONE, MUTUAL))
        .isNull();
  }

  @Test
  void sanitizeSetReplacesTheClientValueWithThisHopsElement() {
    assertThat(
            apply(
                ForwardClientCert.Mode.SANITIZE_SET,
                new ForwardClientCert.Details(true, false, false, true, true),
                MUTUAL))
        .isEqualTo(
            "By=spiffe://attache.test/sa/me;Hash="
                + HASH
                + ";Subject=\""
                + CALLER.certificate().getSubjectX500Principal().getName()
                + "\";URI=spiffe://attache.test/sa/caller;DNS=caller.local");
  }

  @Test
  void appendForwardKeepsTheClientValueAndAddsThisHop() {
    assertThat(apply(ForwardClientCert.Mode.APPEND_FORWARD, ForwardClientCert.Details.NONE, MUTUAL))
        .isEqualTo("URI=spiffe://evil,By=spiffe://attache.test/sa/me;Hash=" + HASH);
  }

  @Test
  void forwardOnlyPassesTheValueOnlyOverMutualTls() {
    assertThat(apply(ForwardClientCert.Mode.FORWARD_ONLY, ForwardClientCert.Details.NONE, MUTUAL))
        .isEqualTo("URI=spiffe://evil");
    assertThat(
            apply(ForwardClientCert.Mode.FORWARD_ONLY, ForwardClientCert.Details.NONE, SERVER_ONLY))
        .isNull();
    assertThat(
            apply(
                ForwardClientCert.Mode.SANITIZE_SET,
                ForwardClientCert.Details.NONE,
                TlsSession.NONE))
        .isNull();
  }

  @Test
  void alwaysForwardOnlyPassesTheValueEvenOnPlaintext() {
    assertThat(
            apply(
                ForwardClientCert.Mode.ALWAYS_FORWARD_ONLY,
                ForwardClientCert.Details.NONE,
                TlsSession.NONE))
        .isEqualTo("URI=spiffe://evil");
  }

  @Test
  void certIsTheUrlEncodedPemOfThePeer() {
    String value =
        apply(
            ForwardClientCert.Mode.SANITIZE_SET,
            new ForwardClientCert.Details(false, true, false, false, false),
            MUTUAL);
    assertThat(value).contains(";Cert=\"-----BEGIN%20CERTIFICATE-----%0A");
  }
}
