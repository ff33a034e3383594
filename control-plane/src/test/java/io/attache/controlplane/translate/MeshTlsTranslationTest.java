package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.api.policy.v1.MutualTls;
import io.attache.api.policy.v1.TlsMode;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeshTlsTranslationTest {

  private static final Sidecar WITH_APP =
      new Sidecar("0.0.0.0", 15001, "0.0.0.0", 15006, "127.0.0.1", 8080);
  private static final ProxyGroup SIDECAR = new ProxyGroup("orders", ClientKind.PROXY, WITH_APP);
  private static final ProxyGroup GRPC = new ProxyGroup("billing", ClientKind.PROXYLESS_GRPC);

  private final SnapshotTranslator translator = new SnapshotTranslator("mesh.example");

  private static PolicySnapshot withMtls(
      MutualTls.Mode mode, io.attache.api.policy.v1.Service... services) {
    PolicySnapshot base = policy(services);
    return new PolicySnapshot(
        base.revision(),
        base.defaults().toBuilder().setMtls(MutualTls.newBuilder().setMode(mode)).build(),
        base.services(),
        base.routes(),
        base.rawClusters(),
        base.rawEndpoints(),
        base.rawRoutes(),
        base.rawListeners());
  }

  @Test
  void strictMeshClustersOriginateMutualTlsWithSdsCertificatesAndSpiffeValidation()
      throws Exception {
    EnvoyResources resources =
        translator.translate(withMtls(MutualTls.Mode.STRICT, service("users", 9002)), SIDECAR);

    Cluster users = cluster(resources, "users");
    assertThat(users.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    UpstreamTlsContext tls =
        users.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("users");
    assertMeshCommonContext(tls.getCommonTlsContext());
    assertThat(cluster(resources, "inbound|8080").hasTransportSocket()).isFalse();
  }

  @Test
  void strictInboundListenerRequiresAClientCertificateAndSetsXfccFromIt() throws Exception {
    Listener inbound =
        listener(
            translator.translate(withMtls(MutualTls.Mode.STRICT, service("users", 9002)), SIDECAR),
            "inbound");

    assertThat(inbound.getListenerFiltersList()).isEmpty();
    FilterChain chain = inbound.getFilterChains(0);
    assertThat(inbound.getFilterChainsList()).hasSize(1);
    assertThat(chain.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    DownstreamTlsContext tls =
        chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
    assertMeshCommonContext(tls.getCommonTlsContext());
    HttpConnectionManager hcm = hcm(chain);
    assertThat(hcm.getForwardClientCertDetails())
        .isEqualTo(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET);
    assertThat(hcm.getSetCurrentClientCertDetails().getUri()).isTrue();
  }

  @Test
  void permissiveInboundListenerInspectsTlsAndKeepsAPlaintextChain() throws Exception {
    Listener inbound =
        listener(
            translator.translate(
                withMtls(MutualTls.Mode.PERMISSIVE, service("users", 9002)), SIDECAR),
            "inbound");

    assertThat(inbound.getListenerFiltersList())
        .extracting(f -> f.getName())
        .containsExactly("envoy.filters.listener.tls_inspector");
    assertThat(inbound.getFilterChainsList())
        .extracting(
            c -> c.getFilterChainMatch().getTransportProtocol(), FilterChain::hasTransportSocket)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("tls", true),
            org.assertj.core.groups.Tuple.tuple("raw_buffer", false));
    assertThat(hcm(inbound.getFilterChains(1)).getForwardClientCertDetails())
        .isEqualTo(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET);
  }

  @Test
  void servicesThatOptOutOrUseSimpleTlsKeepTheirOwnTransport() throws Exception {
    EnvoyResources resources =
        translator.translate(
            withMtls(
                MutualTls.Mode.STRICT,
                service("external", 443).toBuilder().setTlsMode(TlsMode.SIMPLE).build(),
                service("legacy", 9003).toBuilder().setTlsMode(TlsMode.DISABLED).build()),
            SIDECAR);

    UpstreamTlsContext simple =
        cluster(resources, "external")
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class);
    assertThat(simple.hasCommonTlsContext()).isFalse();
    assertThat(cluster(resources, "legacy").hasTransportSocket()).isFalse();
  }

  @Test
  void disabledMtlsLeavesTheSidecarPlaintextAsBefore() {
    EnvoyResources before =
        new SnapshotTranslator().translate(policy(service("users", 9002)), SIDECAR);
    EnvoyResources disabled =
        new SnapshotTranslator()
            .translate(withMtls(MutualTls.Mode.DISABLED, service("users", 9002)), SIDECAR);

    assertThat(disabled).isEqualTo(before);
    assertThat(cluster(before, "users").hasTransportSocket()).isFalse();
    assertThat(listener(before, "inbound").getFilterChains(0).hasTransportSocket()).isFalse();
  }

  @Test
  void proxylessGrpcClientsAreNotGivenSdsTransportSockets() {
    EnvoyResources resources =
        translator.translate(withMtls(MutualTls.Mode.STRICT, service("users", 9002)), GRPC);

    assertThat(cluster(resources, "users").hasTransportSocket()).isFalse();
  }

  private static void assertMeshCommonContext(CommonTlsContext common) {
    assertThat(common.getTlsCertificateSdsSecretConfigsList())
        .singleElement()
        .satisfies(
            sds -> {
              assertThat(sds.getName()).isEqualTo("default");
              assertThat(sds.getSdsConfig().hasAds()).isTrue();
            });
    CommonTlsContext.CombinedCertificateValidationContext validation =
        common.getCombinedValidationContext();
    assertThat(validation.getValidationContextSdsSecretConfig().getName()).isEqualTo("ROOTCA");
    assertThat(validation.getValidationContextSdsSecretConfig().getSdsConfig().hasAds()).isTrue();
    List<SubjectAltNameMatcher> sans =
        validation.getDefaultValidationContext().getMatchTypedSubjectAltNamesList();
    assertThat(sans)
        .singleElement()
        .satisfies(
            san -> {
              assertThat(san.getSanType()).isEqualTo(SubjectAltNameMatcher.SanType.URI);
              assertThat(san.getMatcher().getPrefix()).isEqualTo("spiffe://mesh.example/");
            });
  }

  private static Cluster cluster(EnvoyResources resources, String name) {
    return resources.clusters().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Listener listener(EnvoyResources resources, String name) {
    return resources.listeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static HttpConnectionManager hcm(FilterChain chain) {
    try {
      return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
