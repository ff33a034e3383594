package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.upstream.ClusterDefinition.DiscoveryType;
import io.attache.dataplane.upstream.ClusterDefinition.UpstreamProtocol;
import io.attache.dataplane.upstream.dns.DnsLookupFamily;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.lb.LbPolicy;
import io.attache.dataplane.upstream.lb.LeastRequestConfig;
import io.attache.dataplane.upstream.lb.RingHashConfig;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ClusterDefinitionTest {
  private static final String PATH = "static_resources.clusters[0]";

  static LbEndpoint endpoint(String address, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(
            Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress(address).setPortValue(port))))
        .build();
  }

  static Cluster.Builder cluster(String name, String... ips) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (String ip : ips) {
      locality.addLbEndpoints(endpoint(ip, 8080));
    }
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(locality));
  }

  private static ClusterDefinition parse(Cluster.Builder cluster) throws ConfigException {
    return ClusterDefinition.from(cluster.build(), PATH);
  }

  private static void assertRejected(
      Cluster.Builder cluster, String fieldPath, String messagePart) {
    assertThatThrownBy(() -> parse(cluster))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(messagePart)
        .satisfies(e -> assertThat(((ConfigException) e).fieldPath()).isEqualTo(fieldPath));
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void fillsInEnvoysDefaults() throws ConfigException {
    ClusterDefinition d = parse(cluster("backend", "10.0.0.1"));

    assertThat(d.name()).isEqualTo("backend");
    assertThat(d.type()).isEqualTo(DiscoveryType.STATIC);
    assertThat(d.connectTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(d.lbPolicy()).isEqualTo(LbPolicy.ROUND_ROBIN);
    assertThat(d.leastRequest().choiceCount()).isEqualTo(2);
    assertThat(d.ringHash()).isEqualTo(RingHashConfig.DEFAULTS);
    assertThat(d.healthyPanicThresholdPercent()).isEqualTo(50.0);
    assertThat(d.localityWeightedLb()).isFalse();
    assertThat(d.loadAssignment().overprovisioningFactor()).isEqualTo(140);
    assertThat(d.http().protocol()).isEqualTo(UpstreamProtocol.HTTP1);
    assertThat(d.http().idleTimeout()).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(d.http().maxRequestsPerConnection()).isEmpty();
    assertThat(d.http().maxHeadersCount()).isEqualTo(100);
    assertThat(d.perConnectionBufferLimitBytes()).isEqualTo(1024 * 1024);
    assertThat(d.dns().refreshRate()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(d.dns().respectDnsTtl()).isFalse();
    assertThat(d.dns().lookupFamily()).isEqualTo(DnsLookupFamily.AUTO);
    assertThat(d.circuitBreakers()).isEqualTo(CircuitBreakerSettings.DEFAULTS);
    assertThat(d.circuitBreakers().thresholds(RoutingPriority.DEFAULT).maxConnections())
        .isEqualTo(1024);
    assertThat(d.circuitBreakers().thresholds(RoutingPriority.HIGH).maxRetries()).isEqualTo(3);
    assertThat(d.outlierDetection()).isEmpty();
    assertThat(d.healthChecks()).isEmpty();
  }

  @Test
  void readsEndpointsWithLocalityPriorityHealthAndWeights() throws ConfigException {
    Cluster.Builder c =
        cluster("backend")
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setPolicy(
                        ClusterLoadAssignment.Policy.newBuilder()
                            .setOverprovisioningFactor(UInt32Value.of(200)))
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .setLocality(
                                io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                                    .setRegion("eu")
                                    .setZone("a"))
                            .setLoadBalancingWeight(UInt32Value.of(7))
                            .setPriority(1)
                            .addLbEndpoints(
                                endpoint("10.0.0.1", 80).toBuilder()
                                    .setHealthStatus(HealthStatus.DRAINING)
                                    .setLoadBalancingWeight(UInt32Value.of(3)))));

    ClusterDefinition.LocalityEndpoints locality = parse(c).loadAssignment().endpoints().get(0);

    assertThat(parse(c).loadAssignment().overprovisioningFactor()).isEqualTo(200);
    assertThat(locality.locality()).isEqualTo(new Locality("eu", "a", ""));
    assertThat(locality.loadBalancingWeight()).isEqualTo(7);
    assertThat(locality.priority()).isEqualTo(1);
    assertThat(locality.lbEndpoints())
        .containsExactly(
            new ClusterDefinition.EndpointDefinition("10.0.0.1", 80, "", HostHealth.UNHEALTHY, 3));
  }

  @Test
  void rejectsAClusterWithoutAName() {
    assertRejected(cluster("", "10.0.0.1"), PATH + ".name", "must not be empty");
  }

  @Test
  void rejectsOriginalDstWithAnLbPolicyOfItsOwn() {
    assertRejected(
        cluster("c").clearLoadAssignment().setType(Cluster.DiscoveryType.ORIGINAL_DST),
        PATH + ".lb_policy",
        "Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'");
  }

  @Test
  void rejectsAZeroConnectTimeout() {
    assertRejected(
        cluster("c", "10.0.0.1").setConnectTimeout(seconds(0)),
        PATH + ".connect_timeout",
        "greater than 0s");
  }

  @Test
  void rejectsLoadBalancingPoliciesItCannotHonour() {
    assertRejected(
        cluster("c").setLbPolicy(Cluster.LbPolicy.MAGLEV),
        PATH + ".lb_policy",
        "MAGLEV is not supported");
    assertRejected(
        cluster("c")
            .setLoadBalancingPolicy(
                io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy.getDefaultInstance()),
        PATH + ".load_balancing_policy",
        "not supported yet");
  }

  @Test
  void rejectsAHostnameInAStaticCluster() {
    assertRejected(
        cluster("c", "backend.internal"),
        PATH
            + ".load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address",
        "must be an IP address");
  }

  @Test
  void rejectsAZeroEndpointWeight() {
    Cluster.Builder c = cluster("c");
    c.getLoadAssignmentBuilder()
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(endpoint("10.0.0.1", 80))
                .addLbEndpoints(
                    endpoint("10.0.0.2", 80).toBuilder()
                        .setLoadBalancingWeight(UInt32Value.of(0))));

    // cluster("c") already holds one (empty) locality, so this one is endpoints[1].
    assertRejected(
        c, PATH + ".load_assignment.endpoints[1].lb_endpoints[1].load_balancing_weight", ">= 1");
  }

  @Test
  void readsLeastRequestAndRingHashSettings() throws ConfigException {
    ClusterDefinition lr =
        parse(
            cluster("c")
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(
                    Cluster.LeastRequestLbConfig.newBuilder()
                        .setChoiceCount(UInt32Value.of(3))
                        .setActiveRequestBias(RuntimeDouble.newBuilder().setDefaultValue(0.5))));
    ClusterDefinition ring =
        parse(
            cluster("c")
                .setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(
                    Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(UInt64Value.of(64))
                        .setMaximumRingSize(UInt64Value.of(4096))));

    assertThat(lr.leastRequest()).isEqualTo(new LeastRequestConfig(3, 0.5));
    assertThat(ring.ringHash())
        .isEqualTo(new RingHashConfig(64, 4096, RingHashConfig.HashFunction.XX_HASH));
  }

  @Test
  void rejectsInvalidLbSettings() {
    assertRejected(
        cluster("c")
            .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
            .setLeastRequestLbConfig(
                Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(1))),
        PATH + ".least_request_lb_config.choice_count",
        "[2, 1024]");
    assertRejected(
        cluster("c")
            .setLbPolicy(Cluster.LbPolicy.RING_HASH)
            .setRingHashLbConfig(
                Cluster.RingHashLbConfig.newBuilder()
                    .setMinimumRingSize(UInt64Value.of(2048))
                    .setMaximumRingSize(UInt64Value.of(1024))),
        PATH + ".ring_hash_lb_config.minimum_ring_size",
        "> maximum_ring_size");
    assertRejected(
        cluster("c")
            .setLbPolicy(Cluster.LbPolicy.RING_HASH)
            .setRingHashLbConfig(
                Cluster.RingHashLbConfig.newBuilder()
                    .setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2)),
        PATH + ".ring_hash_lb_config.hash_function",
        "MURMUR_HASH_2 is not supported");
    assertRejected(
        cluster("c")
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(101))),
        PATH + ".common_lb_config.healthy_panic_threshold.value",
        "[0, 100]");
  }

  @Test
  void readsPanicThresholdAndLocalityWeighting() throws ConfigException {
    ClusterDefinition d =
        parse(
            cluster("c")
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0))
                        .setLocalityWeightedLbConfig(
                            Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance())));

    assertThat(d.healthyPanicThresholdPercent()).isZero();
    assertThat(d.localityWeightedLb()).isTrue();
  }

  @Test
  void speaksHttp2WhenTheLegacyHttp2OptionsAreSet() throws ConfigException {
    ClusterDefinition d =
        parse(
            cluster("c")
                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())
                .setCommonHttpProtocolOptions(
                    HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(seconds(30))
                        .setMaxHeadersCount(UInt32Value.of(50))));

    assertThat(d.http())
        .isEqualTo(
            new ClusterDefinition.HttpSettings(
                UpstreamProtocol.HTTP2,
                java.time.Duration.ofSeconds(30),
                OptionalLong.empty(),
                50,
                io.attache.dataplane.headercase.HeaderKeyFormat.DEFAULT));
  }

  @Test
  void readsTheProtocolFromTypedHttpProtocolOptions() throws ConfigException {
    var http2 =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    .ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder().setMaxRequestsPerConnection(UInt32Value.of(10)))
            .build();
    var downstream =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setUseDownstreamProtocolConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    .UseDownstreamHttpConfig.getDefaultInstance())
            .build();
    String key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    ClusterDefinition h2 =
        parse(cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(http2)));
    ClusterDefinition same =
        parse(cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(downstream)));

    assertThat(h2.http().protocol()).isEqualTo(UpstreamProtocol.HTTP2);
    assertThat(h2.http().maxRequestsPerConnection()).hasValue(10);
    assertThat(same.http().protocol()).isEqualTo(UpstreamProtocol.USE_DOWNSTREAM);
  }

  @Test
  void readsTheHeaderKeyFormatFromEveryPlaceACarriesHttp1Options() throws ConfigException {
    var properCase =
        io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.newBuilder()
            .setHeaderKeyFormat(
                io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.HeaderKeyFormat.newBuilder()
                    .setProperCaseWords(
                        io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.HeaderKeyFormat
                            .ProperCaseWords.getDefaultInstance()))
            .build();
    var explicit =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    .ExplicitHttpConfig.newBuilder()
                    .setHttpProtocolOptions(properCase))
            .build();
    var downstream =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setUseDownstreamProtocolConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    .UseDownstreamHttpConfig.newBuilder()
                    .setHttpProtocolOptions(properCase))
            .build();
    String key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    var proper = io.attache.dataplane.headercase.HeaderKeyFormat.Kind.PROPER_CASE_WORDS;

    assertThat(
            parse(cluster("c").setHttpProtocolOptions(properCase)).http().headerKeyFormat().kind())
        .isEqualTo(proper);
    assertThat(
            parse(cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(explicit)))
                .http()
                .headerKeyFormat()
                .kind())
        .isEqualTo(proper);
    assertThat(
            parse(cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(downstream)))
                .http()
                .headerKeyFormat()
                .kind())
        .isEqualTo(proper);
    assertRejected(
        cluster("c")
            .setHttpProtocolOptions(
                io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.newBuilder()
                    .setHeaderKeyFormat(
                        io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.HeaderKeyFormat
                            .getDefaultInstance())),
        PATH + ".http_protocol_options.header_key_format",
        "one of proper_case_words, stateful_formatter is required");
  }

  @Test
  void rejectsConflictingProtocolSettings() {
    String key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    var auto =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setAutoConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.AutoHttpConfig
                    .getDefaultInstance())
            .build();
    String typedPath = PATH + ".typed_extension_protocol_options[\"" + key + "\"]";

    assertRejected(
        cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(auto)),
        typedPath + ".auto_config",
        "not supported yet");
    assertRejected(
        cluster("c")
            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())
            .putTypedExtensionProtocolOptions(key, Any.pack(auto)),
        typedPath,
        "cannot be combined");
    assertRejected(
        cluster("c").putTypedExtensionProtocolOptions(key, Any.pack(BoolValue.of(true))),
        typedPath,
        "not an HttpProtocolOptions");
    assertRejected(
        cluster("c")
            .setMaxRequestsPerConnection(UInt32Value.of(5))
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder().setMaxRequestsPerConnection(UInt32Value.of(6))),
        PATH + ".max_requests_per_connection",
        "only one of");
  }

  @Test
  void readsDnsSettings() throws ConfigException {
    ClusterDefinition d =
        parse(
            cluster("c")
                .setType(Cluster.DiscoveryType.STRICT_DNS)
                .setDnsRefreshRate(seconds(30))
                .setRespectDnsTtl(true)
                .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY));

    assertThat(d.dns())
        .isEqualTo(
            new ClusterDefinition.DnsSettings(
                java.time.Duration.ofSeconds(30), true, DnsLookupFamily.V4_ONLY));
    assertRejected(
        cluster("c").setDnsRefreshRate(Duration.newBuilder().setNanos(1_000_000)),
        PATH + ".dns_refresh_rate",
        "1ms");
  }

  @Test
  void requiresExactlyOneEndpointForLogicalDns() {
    assertRejected(
        cluster("c", "a.example", "b.example").setType(Cluster.DiscoveryType.LOGICAL_DNS),
        PATH + ".load_assignment.endpoints",
        "single lb_endpoint");
  }

  @Test
  void readsCircuitBreakersPerPriorityWithEnvoysDefaults() throws ConfigException {
    ClusterDefinition d =
        parse(
            cluster("c")
                .setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .addThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setPriority(RoutingPriority.HIGH)
                                .setMaxConnections(UInt32Value.of(10))
                                .setTrackRemaining(true)
                                .setRetryBudget(
                                    CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                                        .setBudgetPercent(Percent.newBuilder().setValue(25))))
                        .addPerHostThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setMaxConnections(UInt32Value.of(2)))));

    CircuitBreakerSettings.Thresholds high = d.circuitBreakers().thresholds(RoutingPriority.HIGH);
    assertThat(high.maxConnections()).isEqualTo(10);
    assertThat(high.maxPendingRequests()).isEqualTo(1024);
    assertThat(high.trackRemaining()).isTrue();
    assertThat(high.retryBudget()).contains(new CircuitBreakerSettings.RetryBudget(25.0, 3));
    assertThat(d.circuitBreakers().thresholds(RoutingPriority.DEFAULT))
        .isEqualTo(CircuitBreakerSettings.DEFAULT_THRESHOLDS);
    assertThat(d.circuitBreakers().perHost(RoutingPriority.DEFAULT).maxConnections()).hasValue(2);
    assertThat(d.circuitBreakers().perHost(RoutingPriority.HIGH).maxConnections()).isEmpty();
  }

  @Test
  void rejectsARetryBudgetOverOneHundredPercent() {
    assertRejected(
        cluster("c")
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setRetryBudget(
                                CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                                    .setBudgetPercent(Percent.newBuilder().setValue(150))))),
        PATH + ".circuit_breakers.thresholds[0].retry_budget.budget_percent",
        "[0, 100]");
  }

  @Test
  void keepsOutlierDetectionForLater() throws ConfigException {
    OutlierDetection od =
        OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(3)).build();

    assertThat(parse(cluster("c").setOutlierDetection(od)).outlierDetection()).contains(od);
  }

  @Test
  void comparesEqualWhenParsedFromEqualProtos() throws ConfigException {
    assertThat(parse(cluster("c", "10.0.0.1"))).isEqualTo(parse(cluster("c", "10.0.0.1")));
    assertThat(parse(cluster("c", "10.0.0.1"))).isNotEqualTo(parse(cluster("c", "10.0.0.2")));
  }
}
