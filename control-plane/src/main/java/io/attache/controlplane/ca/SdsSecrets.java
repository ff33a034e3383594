package io.attache.controlplane.ca;

import com.google.protobuf.ByteString;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.XdsNames;
import io.attache.controlplane.xds.SecretSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A group's Envoy SDS secrets, named as Istio names them: {@code default} (tls_certificate: the
 * identity's chain and key, inline) and {@code ROOTCA} (validation_context.trusted_ca: the mesh
 * root); and {@code jwt-svid-signing-key} (generic_secret: the identity's current JWT-SVID signing
 * key as a private JWK, see {@link SvidSigningKeys}). Only for a group whose identity the xDS
 * server authenticated and that lies in the CA's trust domain; nothing otherwise. Never logs what
 * it builds.
 */
public final class SdsSecrets implements SecretSource {

  private final WorkloadCertificates certificates;
  private final SvidSigningKeys signingKeys;
  private final Secret rootCa;

  public SdsSecrets(WorkloadCertificates certificates, SvidSigningKeys signingKeys) {
    this.certificates = certificates;
    this.signingKeys = signingKeys;
    this.rootCa =
        Secret.newBuilder()
            .setName(XdsNames.ROOTCA_SECRET)
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(inline(certificates.authority().trustBundlePem())))
            .build();
  }

  @Override
  public List<Secret> secretsFor(ProxyGroup group) {
    return SpiffeId.parse(group.identity())
        .filter(id -> id.trustDomain().equals(certificates.authority().trustDomain()))
        .map(
            id ->
                List.of(
                    workloadSecret(certificates.certificateFor(id)),
                    rootCa,
                    signingKeySecret(signingKeys.currentFor(id))))
        .orElse(List.of());
  }

  private static Secret workloadSecret(IssuedCertificate certificate) {
    return Secret.newBuilder()
        .setName(XdsNames.DEFAULT_SECRET)
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(inline(certificate.chainPem()))
                .setPrivateKey(inline(certificate.privateKeyPem())))
        .build();
  }

  private static Secret signingKeySecret(SvidSigningKey key) {
    return Secret.newBuilder()
        .setName(SvidSigningKeys.SDS_SECRET_NAME)
        .setGenericSecret(GenericSecret.newBuilder().setSecret(inline(key.privateJwk())))
        .build();
  }

  private static DataSource inline(String text) {
    return DataSource.newBuilder()
        .setInlineBytes(ByteString.copyFrom(text, StandardCharsets.US_ASCII))
        .build();
  }
}
