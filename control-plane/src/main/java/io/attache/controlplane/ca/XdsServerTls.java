package io.attache.controlplane.ca;

import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.xds.Scheduler;
import io.attache.controlplane.xds.TransportSecurity;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on the xDS port: the server presents a certificate from the mesh CA (its SPIFFE ID plus the
 * host names proxies dial), renewed at half life without a restart because the key manager reads
 * the current one at each handshake; clients may present a certificate, which must chain to the
 * mesh root. Who the client is, and whether it needed a certificate, is the {@code
 * XdsAuthenticator}'s business. Never logs the key.
 */
public final class XdsServerTls implements TransportSecurity, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServerTls.class);

  /** The control plane's own identity, Istio-style. */
  public static final String NAMESPACE = "attache-system";

  public static final String SERVICE_ACCOUNT = "control-plane";

  private final CertificateAuthority ca;
  private final RotatingCertificate certificate;

  public XdsServerTls(
      CertificateAuthority ca,
      List<String> hostNames,
      Duration lifetime,
      Scheduler scheduler,
      Clock clock) {
    this.ca = ca;
    SpiffeId identity = new SpiffeId(ca.trustDomain(), NAMESPACE, SERVICE_ACCOUNT);
    this.certificate =
        new RotatingCertificate(
            () -> ca.issueServer(identity, hostNames, lifetime),
            scheduler,
            clock,
            renewed -> log.info("renewed the xDS server certificate: {}", renewed));
    log.info("xDS over TLS with {} for {}", certificate.current(), hostNames);
  }

  public IssuedCertificate currentCertificate() {
    return certificate.current();
  }

  @Override
  public void configure(NettyServerBuilder builder) {
    try {
      builder.sslContext(
          GrpcSslContexts.configure(
                  SslContextBuilder.forServer(new CurrentCertificateKeyManager()), SslProvider.JDK)
              .trustManager(ca.root())
              .clientAuth(ClientAuth.OPTIONAL)
              .build());
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS on the xDS port", e);
    }
  }

  @Override
  public void close() {
    certificate.close();
  }

  /** Answers every handshake with the certificate current at that moment. */
  private final class CurrentCertificateKeyManager extends X509ExtendedKeyManager {

    // The alias names the certificate, so a key manager wrapper that caches by alias never
    // serves a renewed-away certificate.
    private String alias() {
      return "xds-" + certificate.current().serialHex();
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias();
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return certificate.current().chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return certificate.current().privateKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {alias()};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
