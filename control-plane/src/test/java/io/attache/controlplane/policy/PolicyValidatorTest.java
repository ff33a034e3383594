package io.attache.controlplane.policy;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.route;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.HashPolicy;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Protocol;
import io.attache.api.policy.v1.RateLimit;
import io.attache.api.policy.v1.RetryPolicy;
import io.attache.api.policy.v1.TracingPolicy;
import io.attache.controlplane.validate.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyValidatorTest {

  private final PolicyValidator validator = new PolicyValidator();

  @Test
  void acceptsTheBuiltInDefaultsWithServicesAndRoutes() {
    PolicySnapshot valid =
        policy(
            List.of(service("orders", 9001), service("orders-v2", 9002)),
            route("canary", "orders", "/", "orders", "orders-v2"));

    assertThat(validator.validate(valid)).isEmpty();
  }

  @Test
  void rejectsNamesThatCannotBeClusterOrHostNames() {
    assertThat(validator.validate(policy(service("Orders_1", 9001))))
        .extracting(Violation::field)
        .containsExactly("services[\"Orders_1\"].name");
  }

  @Test
  void takesEndpointAddressesThatAreIpLiteralsOrOneDnsName() {
    for (String address : List.of("10.0.0.1", "::1", "2001:db8::7", "billing.internal", "db-1.")) {
      assertThat(validator.validate(policy(withAddresses(address)))).as(address).isEmpty();
    }
  }

  @Test
  void refusesEndpointAddressesNoProxyCouldTakeNamingTheField() {
    for (String address :
        List.of(
            "backend internal", "10.0.0.256", "010.0.0.1", "[::1]", "fe80::1%eth0", "-a.b", "")) {
      assertThat(validator.validate(policy(withAddresses(address))))
          .as("'%s'", address)
          .extracting(Violation::field)
          .containsExactly("services[\"orders\"].endpoints[0].address");
    }
  }

  @Test
  void refusesADnsNameAmongSeveralEndpoints() {
    assertThat(validator.validate(policy(withAddresses("10.0.0.1", "billing.internal"))))
        .extracting(Violation::field, Violation::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "services[\"orders\"].endpoints[1].address",
                "'billing.internal' is a DNS name: a service reached by a DNS name has that one"
                    + " endpoint (proxyless gRPC clients resolve one name per cluster); list IP"
                    + " addresses, or one name that resolves to all of them"));
  }

  private static io.attache.api.policy.v1.Service withAddresses(String... addresses) {
    var service = io.attache.api.policy.v1.Service.newBuilder().setName("orders").setPort(8080);
    for (String address : addresses) {
      service.addEndpoints(
          io.attache.api.policy.v1.Endpoint.newBuilder().setAddress(address).setPort(9001));
    }
    return service.build();
  }

  @Test
  void rejectsServiceAddressesThatAreNotIpLiteralsOrAreListedTwice() {
    var service =
        service("orders", 9001).toBuilder()
            .addAddresses("10.96.0.10")
            .addAddresses("fd00::10")
            .addAddresses("orders.example")
            .addAddresses("10.96.0.10")
            .build();

    assertThat(validator.validate(policy(service)))
        .extracting(Violation::field, Violation::message)
        .containsExactly(
            tuple("services[\"orders\"].addresses[2]", "must be an IPv4 or IPv6 address"),
            tuple("services[\"orders\"].addresses[3]", "is listed twice"));
  }

  @Test
  void rejectsNonPositiveDurationsAndOutOfRangePercentages() {
    var broken =
        service("orders", 9001).toBuilder()
            .setConnectTimeout(Duration.newBuilder().setSeconds(-1))
            .setBreaker(
                BreakerPolicy.newBuilder().setHealthyPanicThresholdPercent(DoubleValue.of(101)))
            .build();

    assertThat(validator.validate(policy(broken)))
        .extracting(Violation::field)
        .containsExactly(
            "services[\"orders\"].connect_timeout",
            "services[\"orders\"].breaker.healthy_panic_threshold_percent");
  }

  @Test
  void rejectsUnknownRetryConditionsAndABackOffCapBelowItsBase() {
    MeshDefaults defaults =
        BuiltInMeshDefaults.get().toBuilder()
            .setRetry(
                RetryPolicy.newBuilder()
                    .addRetryOn("on-a-whim")
                    .setBackoffBaseInterval(Duration.newBuilder().setSeconds(2))
                    .setBackoffMaxInterval(Duration.newBuilder().setSeconds(1)))
            .build();
    PolicySnapshot base = policy(service("orders", 9001));

    List<Violation> violations = validator.validate(withDefaults(base, defaults));

    assertThat(violations)
        .extracting(Violation::field)
        .containsExactly("defaults.retry.retry_on[0]", "defaults.retry.backoff_max_interval");
  }

  @Test
  void requiresTheTracingCollectorToBeAnExistingGrpcService() {
    MeshDefaults tracing =
        BuiltInMeshDefaults.get().toBuilder()
            .setTracing(TracingPolicy.newBuilder().setCollectorService("otel"))
            .build();

    assertThat(validator.validate(withDefaults(policy(service("orders", 9001)), tracing)))
        .extracting(Violation::message)
        .containsExactly("no service named 'otel'");
    assertThat(validator.validate(withDefaults(policy(service("otel", 4317)), tracing)))
        .extracting(Violation::message)
        .containsExactly("the OTLP collector service must speak GRPC or HTTP2");
    assertThat(
            validator.validate(
                withDefaults(
                    policy(service("otel", 4317).toBuilder().setProtocol(Protocol.GRPC).build()),
                    tracing)))
        .isEmpty();
  }

  @Test
  void rejectsRoutesWithRelativePathsOrBadRegexes() {
    var relative = route("a", "orders", "api", "orders");
    var badRegex = route("b", "orders", "/", "orders").toBuilder().setPathRegex("(").build();

    assertThat(validator.validate(policy(List.of(service("orders", 9001)), relative, badRegex)))
        .extracting(Violation::field)
        .containsExactly("routes[\"a\"].path_prefix", "routes[\"b\"].path_regex");
  }

  @Test
  void rejectsHashPolicyHeadersThatAreNotLowerCaseHeaderNames() {
    var upper =
        route("a", "orders", "/", "orders").toBuilder()
            .addHashPolicy(HashPolicy.newBuilder().setHeader("X-User"))
            .build();
    var invalid =
        route("b", "orders", "/", "orders").toBuilder()
            .addHashPolicy(HashPolicy.newBuilder().setHeader("x-user"))
            .addHashPolicy(HashPolicy.newBuilder().setHeader("x user"))
            .build();

    assertThat(validator.validate(policy(List.of(service("orders", 9001)), upper, invalid)))
        .extracting(Violation::field)
        .containsExactly(
            "routes[\"a\"].hash_policy[0].header", "routes[\"b\"].hash_policy[1].header");
  }

  @Test
  void acceptsARateLimitWhoseBucketHoldsAtLeastOneFill() {
    PolicySnapshot valid =
        policy(
            List.of(limited(service("orders", 9001), tenPerSecond())),
            route("checkout", "orders", "/checkout", "orders").toBuilder()
                .setRateLimit(tenPerSecond().setMaxTokens(10).setStatus(503))
                .build());

    assertThat(validator.validate(valid)).isEmpty();
  }

  @Test
  void rejectsRateLimitsNoTokenBucketCouldTakeNamingEachField() {
    PolicySnapshot invalid =
        policy(
            List.of(
                limited(
                    service("orders", 9001),
                    RateLimit.newBuilder()
                        .setTokensPerFill(0)
                        .setFillInterval(Duration.newBuilder().setNanos(10_000_000))
                        .setStatus(200)),
                limited(
                    service("payments", 9002),
                    tenPerSecond()
                        .setMaxTokens(5)
                        .setStatus(499)
                        .setFillInterval(Duration.newBuilder().setNanos(100_000_500)))),
            route("checkout", "orders", "/checkout", "orders").toBuilder()
                .setRateLimit(RateLimit.newBuilder().setTokensPerFill(1))
                .build());

    assertThat(validator.validate(invalid))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "services[\"orders\"].rate_limit.tokens_per_fill",
            "services[\"orders\"].rate_limit.fill_interval",
            "services[\"orders\"].rate_limit.status",
            "services[\"payments\"].rate_limit.fill_interval",
            "services[\"payments\"].rate_limit.max_tokens",
            "services[\"payments\"].rate_limit.status",
            "routes[\"checkout\"].rate_limit.fill_interval");
  }

  @Test
  void rejectsAZeroOrNegativeFillInterval() {
    for (Duration interval :
        List.of(Duration.getDefaultInstance(), Duration.newBuilder().setSeconds(-1).build())) {
      assertThat(
              validator.validate(
                  policy(
                      limited(service("orders", 9001), tenPerSecond().setFillInterval(interval)))))
          .as("%s", interval)
          .extracting(Violation::field, Violation::message)
          .containsExactly(
              tuple("services[\"orders\"].rate_limit.fill_interval", "must be at least 50ms"));
    }
  }

  private static RateLimit.Builder tenPerSecond() {
    return RateLimit.newBuilder()
        .setTokensPerFill(10)
        .setFillInterval(Duration.newBuilder().setSeconds(1));
  }

  private static io.attache.api.policy.v1.Service limited(
      io.attache.api.policy.v1.Service service, RateLimit.Builder limit) {
    return service.toBuilder().setRateLimit(limit).build();
  }

  private static PolicySnapshot withDefaults(PolicySnapshot base, MeshDefaults defaults) {
    return new PolicySnapshot(
        base.revision(),
        defaults,
        base.services(),
        base.routes(),
        base.rawClusters(),
        base.rawEndpoints(),
        base.rawRoutes(),
        base.rawListeners());
  }
}
