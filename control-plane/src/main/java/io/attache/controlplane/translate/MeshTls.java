package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.attache.api.policy.v1.MutualTls;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * The mesh's mutual-TLS transport sockets, both directions, as a stock Envoy consumes them: the
 * node's own certificate from SDS secret {@code default}, peers validated against SDS secret {@code
 * ROOTCA} and required to carry a SPIFFE ID of the mesh's trust domain. Which workload may call
 * which is authorization (RBAC), not this. Pure.
 */
final class MeshTls {

  private MeshTls() {}

  /** True when sidecars originate mutual TLS to mesh services. */
  static boolean enabled(MutualTls mtls) {
    return mtls.getMode() == MutualTls.Mode.PERMISSIVE || mtls.getMode() == MutualTls.Mode.STRICT;
  }

  static TransportSocket upstream(String trustDomain, String sni) {
    return socket(
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(common(trustDomain))
            .setSni(sni)
            .build());
  }

  static TransportSocket downstream(String trustDomain) {
    return socket(
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(common(trustDomain))
            .setRequireClientCertificate(BoolValue.of(true))
            .build());
  }

  private static TransportSocket socket(com.google.protobuf.Message context) {
    return TransportSocket.newBuilder()
        .setName(XdsNames.TLS_TRANSPORT_SOCKET)
        .setTypedConfig(Any.pack(context))
        .build();
  }

  private static CommonTlsContext common(String trustDomain) {
    return CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(sds(XdsNames.DEFAULT_SECRET))
        .setCombinedValidationContext(
            CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setDefaultValidationContext(
                    CertificateValidationContext.newBuilder()
                        .addMatchTypedSubjectAltNames(
                            SubjectAltNameMatcher.newBuilder()
                                .setSanType(SubjectAltNameMatcher.SanType.URI)
                                .setMatcher(
                                    StringMatcher.newBuilder()
                                        .setPrefix("spiffe://" + trustDomain + "/"))))
                .setValidationContextSdsSecretConfig(sds(XdsNames.ROOTCA_SECRET)))
        .build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(XdsNames.ads()).build();
  }
}
