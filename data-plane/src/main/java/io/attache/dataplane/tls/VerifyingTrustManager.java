package io.attache.dataplane.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a peer the way Envoy's default certificate validator does: the chain must lead to one of
 * {@code trusted_ca}, then the leaf must match {@code match_typed_subject_alt_names}. There is no
 * host-name check (Envoy has none unless SAN matchers say so). Counts {@code fail_verify_error} and
 * {@code fail_verify_san}. Called by the TLS engine on the event loop; must not block.
 */
final class VerifyingTrustManager extends X509ExtendedTrustManager {
  /** A verification failure caused by the SAN matchers, not by the chain. */
  static final class SanMismatch extends CertificateException {
    SanMismatch(String message) {
      super(message);
    }
  }

  private final X509ExtendedTrustManager chainVerifier;
  private final SanMatcher sans;
  private final TlsStats stats;

  VerifyingTrustManager(List<X509Certificate> trustedCa, SanMatcher sans, TlsStats stats)
      throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    for (int i = 0; i < trustedCa.size(); i++) {
      store.setCertificateEntry("ca-" + i, trustedCa.get(i));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    X509ExtendedTrustManager found = null;
    for (TrustManager tm : factory.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        found = x;
      }
    }
    if (found == null) {
      throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }
    this.chainVerifier = found;
    this.sans = sans;
    this.stats = stats;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      chainVerifier.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      stats.failVerifyError.inc();
      throw e;
    }
    checkSans(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      chainVerifier.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      stats.failVerifyError.inc();
      throw e;
    }
    checkSans(chain);
  }

  private void checkSans(X509Certificate[] chain) throws CertificateException {
    if (sans.check(chain[0]) == SanMatcher.Verdict.NO_MATCH) {
      stats.failVerifySan.inc();
      throw new SanMismatch(
          "peer certificate SANs match none of match_typed_subject_alt_names (URI "
              + SanMatcher.sans(chain[0], SanMatcher.SanType.URI)
              + ", DNS "
              + SanMatcher.sans(chain[0], SanMatcher.SanType.DNS)
              + ")");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("only SSLEngine connections are verified here");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("only SSLEngine connections are verified here");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("only SSLEngine connections are verified here");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("only SSLEngine connections are verified here");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return chainVerifier.getAcceptedIssuers();
  }
}
