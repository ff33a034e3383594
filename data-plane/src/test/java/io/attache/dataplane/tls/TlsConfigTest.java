package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsConfigTest {
  private static final TestPki.Ca CA = TestPki.newCa("config-test-ca");
  private static final TestPki.Issued LEAF = CA.spiffe("spiffe://attache.test/ns/default/sa/web");

  private static Cluster cluster(String typedConfigExtra) throws Exception {
    String yaml =
        """
        name: backend
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        %s
        """
            .formatted(typedConfigExtra.indent(4));
    return BootstrapLoader.parseYaml(yaml, Cluster.newBuilder()).build();
  }

  private static FilterChain chain(String typedConfigExtra) throws Exception {
    String yaml =
        """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
        %s
        """
            .formatted(typedConfigExtra.indent(4));
    return BootstrapLoader.parseYaml(yaml, FilterChain.newBuilder()).build();
  }

  private static String certificate() {
    return """
        tls_certificates:
        - certificate_chain: { inline_string: %s }
          private_key: { inline_string: %s }
        """
        .formatted(TestPki.quoted(LEAF.certPem()), TestPki.quoted(LEAF.keyPem()));
  }

  private static String validation() {
    return """
        validation_context:
          trusted_ca: { inline_string: %s }
          match_typed_subject_alt_names:
          - san_type: URI
            matcher: { prefix: "spiffe://attache.test/" }
        """
        .formatted(TestPki.quoted(CA.pem()));
  }

  @Test
  void parsesAnUpstreamContextWithInlineCertificateTrustSniAndAlpn() throws Exception {
    Optional<UpstreamTlsConfig> tls =
        TransportSockets.upstream(
            cluster(
                "sni: backend.internal\ncommon_tls_context:\n"
                    + (certificate() + validation() + "alpn_protocols: [h2, http/1.1]\n")
                        .indent(2)),
            "clusters[0]");

    assertThat(tls).isPresent();
    assertThat(tls.get().sni()).isEqualTo("backend.internal");
    assertThat(tls.get().common().alpnProtocols()).containsExactly("h2", "http/1.1");
    assertThat(tls.get().common().certificate()).containsInstanceOf(SecretSource.Inline.class);
    assertThat(tls.get().common().params().protocols()).containsExactly("TLSv1.2");
  }

  /** Envoy joins alpn_protocols with commas before it splits them: one entry may list several. */
  @Test
  void readsOneAlpnEntryListingSeveralProtocolsAsEnvoysEdgeConfigWritesIt() throws Exception {
    Optional<UpstreamTlsConfig> tls =
        TransportSockets.upstream(
            cluster(
                "common_tls_context:\n"
                    + (certificate() + validation() + "alpn_protocols: [\"h2,http/1.1\"]\n")
                        .indent(2)),
            "clusters[0]");

    assertThat(tls.get().common().alpnProtocols()).containsExactly("h2", "http/1.1");
  }

  @Test
  void refusesAnAlpnProtocolOtherThanH2OrHttp11EvenInsideAListingEntry() {
    assertThatThrownBy(
            () ->
                TransportSockets.upstream(
                    cluster(
                        "common_tls_context:\n"
                            + (certificate() + validation() + "alpn_protocols: [\"h2,h3\"]\n")
                                .indent(2)),
                    "clusters[0]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("alpn_protocols[0]")
        .hasMessageContaining("not 'h3'");
  }

  @Test
  void refusesTlsBelowOnePointTwoNamingTheField() {
    assertThatThrownBy(
            () ->
                TransportSockets.upstream(
                    cluster(
                        "common_tls_context:\n  tls_params: { tls_minimum_protocol_version: TLSv1_1 }"),
                    "clusters[0]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "clusters[0].transport_socket.typed_config.common_tls_context.tls_params"
                + ".tls_minimum_protocol_version")
        .hasMessageContaining("TLSv1_1 is not allowed");
  }

  @Test
  void translatesOpenSslCipherNamesAndRefusesUnknownOnes() throws Exception {
    TlsParams params =
        TransportSockets.upstream(
                cluster(
                    "common_tls_context:\n"
                        + "  tls_params: { cipher_suites:"
                        + " [\"[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-RSA-AES128-GCM-SHA256]\"] }"),
                "c")
            .orElseThrow()
            .common()
            .params();
    assertThat(params.cipherSuites())
        .containsExactly(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    assertThatThrownBy(
            () ->
                TransportSockets.upstream(
                    cluster("common_tls_context:\n  tls_params: { cipher_suites: [RC4-MD5] }"),
                    "c"))
        .hasMessageContaining(
            "c.transport_socket.typed_config.common_tls_context.tls_params" + ".cipher_suites[0]")
        .hasMessageContaining("unknown cipher suite 'RC4-MD5'");
  }

  @Test
  void rejectsTransportSocketMatchesExplicitly() throws Exception {
    Cluster withMatches =
        cluster("").toBuilder()
            .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("m"))
            .build();
    assertThatThrownBy(() -> TransportSockets.upstream(withMatches, "clusters[3]"))
        .hasMessageStartingWith("clusters[3].transport_socket_matches");
  }

  @Test
  void aTlsListenerNeedsACertificateAndRequiringClientCertificatesNeedsTrust() throws Exception {
    assertThatThrownBy(() -> TransportSockets.downstream(chain("common_tls_context: {}"), "fc"))
        .hasMessageStartingWith(
            "fc.transport_socket.typed_config.common_tls_context.tls_certificates");
    assertThatThrownBy(
            () ->
                TransportSockets.downstream(
                    chain(
                        "require_client_certificate: true\ncommon_tls_context:\n"
                            + certificate().indent(2)),
                    "fc"))
        .hasMessageStartingWith("fc.transport_socket.typed_config.require_client_certificate");

    DownstreamTlsConfig ok =
        TransportSockets.downstream(
                chain(
                    "require_client_certificate: true\ncommon_tls_context:\n"
                        + (certificate() + validation()).indent(2)),
                "fc")
            .orElseThrow();
    assertThat(ok.requireClientCertificate()).isTrue();
    assertThat(ok.common().params().protocols()).containsExactly("TLSv1.2", "TLSv1.3");
  }

  @Test
  void sdsReferencesCarryTheirInitialFetchTimeoutAndOnlyAdsIsAccepted() throws Exception {
    UpstreamTlsConfig tls =
        TransportSockets.upstream(
                cluster(
                    """
                    common_tls_context:
                      tls_certificate_sds_secret_configs:
                      - name: workload
                        sds_config: { ads: {}, initial_fetch_timeout: 3s }
                      validation_context_sds_secret_config:
                        name: bundle
                        sds_config: { ads: {} }
                    """),
                "c")
            .orElseThrow();
    assertThat(tls.common().sdsSecrets())
        .extracting(SecretSource.Named::name, SecretSource.Named::initialFetchTimeout)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("workload", Duration.ofSeconds(3)),
            org.assertj.core.groups.Tuple.tuple("bundle", Duration.ofSeconds(15)));

    assertThatThrownBy(
            () ->
                TransportSockets.upstream(
                    cluster(
                        """
                        common_tls_context:
                          tls_certificate_sds_secret_configs:
                          - name: workload
                            sds_config: { path_config_source: { path: /etc/x } }
                        """),
                    "c"))
        .hasMessageContaining("tls_certificate_sds_secret_configs[0].sds_config.ads");
  }

  @Test
  void aKeyThatIsNotPkcs8IsRefusedWithoutEchoingIt() {
    String pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assertThatThrownBy(
            () ->
                TransportSockets.upstream(
                    cluster(
                        """
                        common_tls_context:
                          tls_certificates:
                          - certificate_chain: { inline_string: %s }
                            private_key: { inline_string: %s }
                        """
                            .formatted(TestPki.quoted(LEAF.certPem()), TestPki.quoted(pkcs1))),
                    "c"))
        .hasMessageContaining("tls_certificates[0].private_key")
        .hasMessageContaining("PKCS#8")
        .hasMessageNotContaining("AAAA");
  }

  @Test
  void theSecretStoreTellsWatchersAboutChangedSecretsOnly() throws Exception {
    SecretStore store = new SecretStore();
    List<String> seen = new java.util.ArrayList<>();
    SecretStore.Watch watch = store.watch(() -> seen.add("changed"));
    TlsSecret secret = new TlsSecret.CertificateKeyPair(List.of(LEAF.certificate()), LEAF.key());

    store.replaceDynamic(java.util.Map.of("workload", secret));
    store.replaceDynamic(java.util.Map.of("workload", secret));
    watch.close();
    store.replaceDynamic(java.util.Map.of());

    assertThat(seen).containsExactly("changed");
    assertThat(store.get("workload", true)).isEmpty();
    assertThat(store.get("workload", false)).isEmpty();
  }
}
