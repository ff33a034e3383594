package io.attache.controlplane.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.ActiveHealthCheck;
import io.attache.api.policy.v1.FaultInjection;
import io.attache.api.policy.v1.HeaderValue;
import io.attache.api.policy.v1.Protocol;
import io.attache.api.policy.v1.TlsMode;
import io.attache.controlplane.testing.Policies;
import io.attache.controlplane.translate.ClientKind;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvoyRuleValidatorTest {

  private final EnvoyRuleValidator validator = new EnvoyRuleValidator(EnvoyTypeRegistry.get());

  @Test
  void rejectsANegativeConnectTimeout() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("orders")
            .setConnectTimeout(Duration.newBuilder().setSeconds(-1))
            .build();

    assertThat(validator.validate(cluster))
        .containsExactly(
            new Violation("connect_timeout", "Invalid duration: Expected positive duration"),
            new Violation("connect_timeout", "value must be greater than 0s"));
  }

  @Test
  void rejectsAnEmptyClusterNameInALoadAssignment() {
    assertThat(validator.validate(ClusterLoadAssignment.getDefaultInstance()))
        .extracting(Violation::field)
        .containsExactly("cluster_name");
  }

  @Test
  void rejectsOutOfRangePercentages() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("orders")
            .setOutlierDetection(
                OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(150)))
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(120)))
            .build();

    assertThat(validator.validate(cluster))
        .containsExactlyInAnyOrder(
            new Violation(
                "outlier_detection.max_ejection_percent",
                "value must be less than or equal to 100"),
            new Violation(
                "common_lb_config.healthy_panic_threshold.value",
                "value must be less than or equal to 100"));
  }

  @Test
  void rejectsAnUndefinedEnumValue() {
    Cluster cluster = Cluster.newBuilder().setName("orders").setLbPolicyValue(99).build();

    assertThat(validator.validate(cluster))
        .extracting(Violation::field)
        .containsExactly("lb_policy");
  }

  @Test
  void rejectsAHealthCheckWithoutItsRequiredFields() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("orders")
            .addHealthChecks(
                HealthCheck.newBuilder()
                    .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance()))
            .build();

    assertThat(validator.validate(cluster))
        .extracting(Violation::field)
        .contains("health_checks[0].timeout", "health_checks[0].interval");
  }

  @Test
  void rejectsAnEmptyRequiredOneof() {
    assertThat(
            validator.validate(
                HealthCheck.newBuilder()
                    .setTimeout(Duration.newBuilder().setSeconds(1))
                    .setInterval(Duration.newBuilder().setSeconds(1))
                    .setUnhealthyThreshold(UInt32Value.of(1))
                    .setHealthyThreshold(UInt32Value.of(1))
                    .build()))
        .containsExactly(new Violation("health_checker", "exactly one field is required in oneof"));
  }

  @Test
  void looksInsideTypedConfigToo() {
    Listener listener =
        Listener.newBuilder()
            .setName("in")
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        Filter.newBuilder()
                            .setName("envoy.filters.network.http_connection_manager")
                            .setTypedConfig(Any.pack(HttpConnectionManager.getDefaultInstance()))))
            .build();

    assertThat(validator.validate(listener))
        .extracting(Violation::field)
        .contains("filter_chains[0].filters[0].typed_config.stat_prefix");
  }

  @Test
  void rejectsAHeaderNameWithALineBreak() {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName("outbound")
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("orders")
                    .addDomains("orders")
                    .addRequestHeadersToAdd(
                        HeaderValueOption.newBuilder()
                            .setHeader(
                                io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                                    .setKey("bad\nheader")
                                    .setValue("x"))))
            .build();

    assertThat(validator.validate(routes))
        .extracting(Violation::field)
        .containsExactly("virtual_hosts[0].request_headers_to_add[0].header.key");
  }

  @Test
  void acceptsEverythingTheTranslatorGeneratesForARichPolicy() {
    var rich =
        Policies.service("orders", 9001, 9002).toBuilder()
            .setProtocol(Protocol.GRPC)
            .setTlsMode(TlsMode.SIMPLE)
            .setHealthCheck(ActiveHealthCheck.newBuilder().setHttpPath("/healthz"))
            .build();
    var route =
        Policies.route("api", "orders", "/api", "orders").toBuilder()
            .addRequestHeadersToAdd(HeaderValue.newBuilder().setName("x-team").setValue("core"))
            .setFault(FaultInjection.newBuilder().setAbortPercent(5).setAbortHttpStatus(503))
            .build();
    SnapshotTranslator translator = new SnapshotTranslator();
    for (ClientKind kind : ClientKind.values()) {
      EnvoyResources resources =
          translator.translate(Policies.policy(List.of(rich), route), new ProxyGroup("web", kind));
      List<com.google.protobuf.Message> all = new java.util.ArrayList<>();
      all.addAll(resources.clusters());
      all.addAll(resources.endpoints());
      all.addAll(resources.listeners());
      all.addAll(resources.routes());
      for (com.google.protobuf.Message resource : all) {
        assertThat(validator.validate(resource)).as(resource.toString()).isEmpty();
      }
    }
  }
}
