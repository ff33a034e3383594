package io.attache.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.TagExtractedName.Tag;
import java.util.List;
import org.junit.jupiter.api.Test;

class TagExtractorTest {
  private final TagExtractor extractor = TagExtractor.envoyDefaults();

  @Test
  void extractsTheClusterNameFromClusterStats() {
    TagExtractedName n = extractor.extract("cluster.backend.upstream_rq_total");
    assertThat(n.extractedName()).isEqualTo("cluster.upstream_rq_total");
    assertThat(n.tags()).containsExactly(new Tag("envoy.cluster_name", "backend"));
  }

  @Test
  void extractsTheResponseCodeBeforeTheClusterName() {
    TagExtractedName n = extractor.extract("cluster.backend.upstream_rq_503");
    assertThat(n.extractedName()).isEqualTo("cluster.upstream_rq");
    assertThat(n.tags())
        .containsExactly(
            new Tag("envoy.response_code", "503"), new Tag("envoy.cluster_name", "backend"));
  }

  @Test
  void extractsTheResponseCodeClassLeavingXx() {
    TagExtractedName n = extractor.extract("http.ingress.downstream_rq_5xx");
    assertThat(n.extractedName()).isEqualTo("http.downstream_rq_xx");
    assertThat(n.tags())
        .containsExactly(
            new Tag("envoy.response_code_class", "5"),
            new Tag("envoy.http_conn_manager_prefix", "ingress"));
  }

  @Test
  void extractsTheListenerAddressWithItsDots() {
    TagExtractedName n = extractor.extract("listener.0.0.0.0_15001.downstream_cx_total");
    assertThat(n.extractedName()).isEqualTo("listener.downstream_cx_total");
    assertThat(n.tags()).containsExactly(new Tag("envoy.listener_address", "0.0.0.0_15001"));
  }

  @Test
  void extractsTheConnectionManagerPrefixAndAddressOfListenerHttpStats() {
    TagExtractedName n =
        extractor.extract("listener.127.0.0.1_15006.http.inbound.downstream_rq_2xx");
    assertThat(n.extractedName()).isEqualTo("listener.http.downstream_rq_xx");
    assertThat(n.tags())
        .containsExactly(
            new Tag("envoy.response_code_class", "2"),
            new Tag("envoy.http_conn_manager_prefix", "inbound"),
            new Tag("envoy.listener_address", "127.0.0.1_15006"));
  }

  @Test
  void leavesTheAdminListenerUntagged() {
    TagExtractedName n = extractor.extract("listener.admin.downstream_cx_total");
    assertThat(n.extractedName()).isEqualTo("listener.admin.downstream_cx_total");
    assertThat(n.tags()).isEmpty();
  }

  @Test
  void keepsCircuitBreakerPriorityInTheNameAsEnvoyDoes() {
    TagExtractedName n = extractor.extract("cluster.backend.circuit_breakers.default.cx_open");
    assertThat(n.extractedName()).isEqualTo("cluster.circuit_breakers.default.cx_open");
    assertThat(n.tags()).containsExactly(new Tag("envoy.cluster_name", "backend"));
  }

  @Test
  void extractsVirtualHostAndVirtualCluster() {
    TagExtractedName n = extractor.extract("vhost.api.vcluster.writes.upstream_rq_total");
    assertThat(n.extractedName()).isEqualTo("vhost.vcluster.upstream_rq_total");
    assertThat(n.tags())
        .containsExactly(
            new Tag("envoy.virtual_cluster", "writes"), new Tag("envoy.virtual_host", "api"));
  }

  @Test
  void leavesNamesWithoutKnownTagsAlone() {
    TagExtractedName n = extractor.extract("server.live");
    assertThat(n.extractedName()).isEqualTo("server.live");
    assertThat(n.tags()).isEmpty();
  }

  @Test
  void fixedTagsComeAfterTheAnyNameTagsAndBeforeTheKeyedOnesAsInEnvoy() {
    // Envoy 1.40 with --stats-tag mesh:blue --stats-tag zone:z1 printed
    // envoy_http_downstream_rq_xx{envoy_response_code_class="1",mesh="blue",zone="z1",
    // envoy_http_conn_manager_prefix="admin"}.
    TagExtractor withFixed =
        extractor.withFixedTags(List.of(new Tag("mesh", "blue"), new Tag("zone", "z1")));
    TagExtractedName n = withFixed.extract("http.admin.downstream_rq_1xx");
    assertThat(n.tags())
        .containsExactly(
            new Tag("envoy.response_code_class", "1"),
            new Tag("mesh", "blue"),
            new Tag("zone", "z1"),
            new Tag("envoy.http_conn_manager_prefix", "admin"));
    assertThat(withFixed.extract("server.live").tags())
        .containsExactly(new Tag("mesh", "blue"), new Tag("zone", "z1"));
    assertThat(extractor.extract("server.live").tags()).isEmpty();
  }
}
