package io.attache.dataplane.tls;

import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Builds Netty SslContexts on the JDK provider from resolved TLS material. The JDK provider is used
 * everywhere so behaviour does not depend on whether a native OpenSSL is on the class path. Pure
 * apart from the context objects it returns; safe on any thread.
 */
final class SslContexts {
  private SslContexts() {}

  static SslContext client(
      Optional<CertificateKeyPair> certificate,
      Optional<ValidationContext> validation,
      SanMatcher extraSans,
      List<String> alpn,
      TlsParams params,
      TlsStats stats)
      throws SSLException, GeneralSecurityException {
    SslContextBuilder b =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            // Envoy checks no host name; peers are verified by trusted_ca and SAN matchers only.
            .endpointIdentificationAlgorithm(null);
    certificate.ifPresent(c -> b.keyManager(c.privateKey(), c.chain()));
    if (validation.isPresent()) {
      b.trustManager(
          new VerifyingTrustManager(
              validation.get().trustedCa(), validation.get().sanMatcher().plus(extraSans), stats));
    } else {
      // No validation context: Envoy accepts any server certificate.
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    }
    common(b, alpn, params);
    return b.build();
  }

  static SslContext server(
      CertificateKeyPair certificate,
      Optional<ValidationContext> validation,
      SanMatcher extraSans,
      boolean requireClientCertificate,
      List<String> alpn,
      TlsParams params,
      TlsStats stats)
      throws SSLException, GeneralSecurityException {
    SslContextBuilder b =
        SslContextBuilder.forServer(certificate.privateKey(), certificate.chain())
            .sslProvider(SslProvider.JDK);
    if (validation.isPresent()) {
      b.trustManager(
          new VerifyingTrustManager(
              validation.get().trustedCa(), validation.get().sanMatcher().plus(extraSans), stats));
      b.clientAuth(requireClientCertificate ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
    } else {
      b.clientAuth(ClientAuth.NONE);
    }
    common(b, alpn, params);
    return b.build();
  }

  private static void common(SslContextBuilder b, List<String> alpn, TlsParams params) {
    b.protocols(params.protocols());
    if (!params.cipherSuites().isEmpty()) {
      b.ciphers(params.cipherSuites());
    }
    if (!alpn.isEmpty()) {
      b.applicationProtocolConfig(
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              alpn));
    }
  }
}
