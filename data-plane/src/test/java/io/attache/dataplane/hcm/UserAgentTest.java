package io.attache.dataplane.hcm;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** {@code add_user_agent} as Envoy's {@code ConnectionManagerUtility::mutateRequestHeaders}. */
class UserAgentTest {
  private static final Node NODE = Node.newBuilder().setId("n-1").setCluster("front").build();

  private static UserAgent on(Node node) {
    return UserAgent.from(
        HttpConnectionManager.newBuilder().setAddUserAgent(BoolValue.of(true)).build(), node);
  }

  private static HttpHeaders headers(String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  @Test
  void setsTheServiceClusterAsUserAgentAndTheDownstreamIdentity() {
    HttpHeaders h = headers();
    on(NODE).apply(h);
    assertThat(h.get("user-agent")).isEqualTo("front");
    assertThat(h.get("x-envoy-downstream-service-cluster")).isEqualTo("front");
    assertThat(h.get("x-envoy-downstream-service-node")).isEqualTo("n-1");
  }

  @Test
  void keepsACallersUserAgentButReplacesAnEmptyOne() {
    HttpHeaders kept = headers("user-agent", "curl/8");
    on(NODE).apply(kept);
    assertThat(kept.getAll("user-agent")).containsExactly("curl/8");
    HttpHeaders empty = headers("user-agent", "");
    on(NODE).apply(empty);
    assertThat(empty.getAll("user-agent")).containsExactly("front");
  }

  @Test
  void replacesAClaimedIdentity() {
    HttpHeaders h =
        headers(
            "x-envoy-downstream-service-cluster", "spoofed",
            "x-envoy-downstream-service-cluster", "again",
            "x-envoy-downstream-service-node", "spoofed");
    on(NODE).apply(h);
    assertThat(h.getAll("x-envoy-downstream-service-cluster")).containsExactly("front");
    assertThat(h.getAll("x-envoy-downstream-service-node")).containsExactly("n-1");
  }

  @Test
  void withoutANodeIdLeavesTheNodeHeaderAloneAndWithoutAClusterSetsItEmpty() {
    HttpHeaders h = headers("x-envoy-downstream-service-node", "caller");
    on(Node.getDefaultInstance()).apply(h);
    assertThat(h.get("x-envoy-downstream-service-node")).isEqualTo("caller");
    assertThat(h.get("x-envoy-downstream-service-cluster")).isEmpty();
    assertThat(h.get("user-agent")).isEmpty();
  }

  @Test
  void offOrFalseChangesNothing() {
    HttpHeaders h = headers("x-envoy-downstream-service-cluster", "caller");
    UserAgent.from(HttpConnectionManager.getDefaultInstance(), NODE).apply(h);
    UserAgent.from(
            HttpConnectionManager.newBuilder().setAddUserAgent(BoolValue.of(false)).build(), NODE)
        .apply(h);
    assertThat(h.names()).containsExactly("x-envoy-downstream-service-cluster");
    assertThat(h.get("x-envoy-downstream-service-cluster")).isEqualTo("caller");
  }
}
