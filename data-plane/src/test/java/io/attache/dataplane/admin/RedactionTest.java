package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private static TlsCertificate certificate() {
    return TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("-----BEGIN CERTIFICATE-----"))
        .setPrivateKey(
            DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8("SECRET-KEY")))
        .build();
  }

  @Test
  void privateKeysAreRedactedAsEnvoyDoesAlsoInsideAnAnyAndTheCertificatesStay() throws Exception {
    Bootstrap bootstrap =
        Bootstrap.newBuilder()
            .setStaticResources(
                Bootstrap.StaticResources.newBuilder()
                    .addSecrets(
                        Secret.newBuilder().setName("mesh").setTlsCertificate(certificate()))
                    .addClusters(
                        Cluster.newBuilder()
                            .setName("backend")
                            .setTransportSocket(
                                TransportSocket.newBuilder()
                                    .setName("envoy.transport_sockets.tls")
                                    .setTypedConfig(
                                        Any.pack(
                                            UpstreamTlsContext.newBuilder()
                                                .setCommonTlsContext(
                                                    CommonTlsContext.newBuilder()
                                                        .addTlsCertificates(certificate()))
                                                .build())))))
            .build();
    BootstrapConfigDump dump = BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).build();

    BootstrapConfigDump redacted = (BootstrapConfigDump) Redaction.redacted(dump);

    Bootstrap.StaticResources resources = redacted.getBootstrap().getStaticResources();
    TlsCertificate secret = resources.getSecrets(0).getTlsCertificate();
    assertThat(secret.getPrivateKey().getInlineBytes().toStringUtf8()).isEqualTo("[redacted]");
    assertThat(secret.getCertificateChain().getInlineString())
        .isEqualTo("-----BEGIN CERTIFICATE-----");
    TlsCertificate inAny =
        resources
            .getClusters(0)
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class)
            .getCommonTlsContext()
            .getTlsCertificates(0);
    assertThat(inAny.getPrivateKey().getInlineBytes().toStringUtf8()).isEqualTo("[redacted]");
    assertThat(inAny.getCertificateChain().getInlineString())
        .isEqualTo("-----BEGIN CERTIFICATE-----");
    assertThat(
            dump.getBootstrap()
                .getStaticResources()
                .getSecrets(0)
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineBytes()
                .toStringUtf8())
        .as("the original is left alone")
        .isEqualTo("SECRET-KEY");
  }
}
