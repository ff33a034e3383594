package io.attache.dataplane.filter.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.ratelimit.DescriptorAction;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.VhRateLimitsOptions;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's validation of {@code LocalRateLimit}, as Attaché applies it when parsing. */
class LocalRateLimitConfigTest {
  private static final String PATH = "http_filters[0].typed_config";

  private static LocalRateLimitConfig parse(String yaml, boolean perRoute) throws Exception {
    LocalRateLimit proto = BootstrapLoader.parseYaml(yaml, LocalRateLimit.newBuilder()).build();
    return LocalRateLimitConfig.from(proto, PATH, perRoute);
  }

  private static String refusedField(String yaml, boolean perRoute) {
    try {
      parse(yaml, perRoute);
    } catch (ConfigException e) {
      return e.fieldPath();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a refusal of " + yaml);
  }

  @Test
  void readsTheBucketWithEnvoysDefaults() throws Exception {
    LocalRateLimitConfig config =
        parse("stat_prefix: rl\ntoken_bucket: { max_tokens: 3, fill_interval: 0.25s }", false);

    assertThat(config.tokenBucket())
        .isEqualTo(new LocalRateLimitConfig.BucketSpec(3, 1, 250_000_000L));
    assertThat(config.status()).isEqualTo(429);
    assertThat(config.alwaysConsumeDefaultTokenBucket()).isTrue();
    assertThat(config.filterEnabled()).isEqualTo(FilterFraction.NEVER);
  }

  @Test
  void aStatusBelow400MeansTooManyRequests() throws Exception {
    assertThat(parse("stat_prefix: rl\nstatus: { code: OK }", false).status()).isEqualTo(429);
  }

  @Test
  void aRouteConfigWithoutATokenBucketIsRefusedButTheFiltersOwnIsNot() throws Exception {
    assertThat(refusedField("stat_prefix: rl", true)).isEqualTo(PATH + ".token_bucket");
    assertThat(parse("stat_prefix: rl", false).tokenBucket())
        .isEqualTo(LocalRateLimitConfig.BucketSpec.NONE);
  }

  @Test
  void refusesWhatEnvoyRefusesOrAttacheDoesNotRun() {
    String bucket = "token_bucket: { max_tokens: 1, fill_interval: 1s }\n";
    assertThat(refusedField(bucket, false)).isEqualTo(PATH + ".stat_prefix");
    assertThat(
            refusedField(
                "stat_prefix: rl\ntoken_bucket: { max_tokens: 1, fill_interval: 0.049s }", false))
        .isEqualTo(PATH + ".token_bucket.fill_interval");
    assertThat(
            refusedField(
                "stat_prefix: rl\n" + bucket + "local_rate_limit_per_downstream_connection: true",
                false))
        .isEqualTo(PATH + ".local_rate_limit_per_downstream_connection");
    assertThat(refusedField("stat_prefix: rl\n" + bucket + "stage: 11", false))
        .isEqualTo(PATH + ".stage");
    assertThat(
            refusedField(
                "stat_prefix: rl\n"
                    + "rate_limits: [ { actions: [ { generic_key: { descriptor_value: b } } ],"
                    + " disable_key: off } ]",
                false))
        .as("a filter's own rate_limits have no runtime disable key here")
        .isEqualTo(PATH + ".rate_limits[0].disable_key");
    assertThat(
            refusedField(
                "stat_prefix: rl\n"
                    + bucket
                    + "descriptors: [ { entries: [ { key: a, value: b } ],"
                    + " token_bucket: { max_tokens: 1, fill_interval: 1.5s } } ]\n"
                    + "rate_limits: [ { actions: [ { generic_key: { descriptor_value: b,"
                    + " descriptor_key: a } } ] } ]",
                false))
        .isEqualTo(PATH + ".descriptors[0].token_bucket.fill_interval");
    assertThat(
            refusedField(
                "stat_prefix: rl\n" + "rate_limits: [ { actions: [ { metadata: {} } ] } ]", false))
        .isEqualTo(PATH + ".rate_limits[0].actions[0]");
  }

  @Test
  void descriptorsWithoutTheFiltersOwnRateLimitsWaitForTheRoutesAndReadStageAndVhRateLimits()
      throws Exception {
    LocalRateLimitConfig config =
        parse(
            """
            stat_prefix: rl
            token_bucket: { max_tokens: 5, fill_interval: 1s }
            stage: 3
            vh_rate_limits: INCLUDE
            descriptors:
            - entries: [ { key: a, value: b } ]
              token_bucket: { max_tokens: 1, fill_interval: 1s }
            """,
            true);

    assertThat(config.rateLimits()).isEmpty();
    assertThat(config.descriptors()).hasSize(1);
    assertThat(config.stage()).isEqualTo(3);
    assertThat(config.virtualHostRateLimits()).isEqualTo(VhRateLimitsOptions.INCLUDE);
  }

  @Test
  void compilesRateLimitActionsWithEnvoysDefaultKeys() throws Exception {
    LocalRateLimitConfig config =
        parse(
            """
            stat_prefix: rl
            rate_limits:
            - actions:
              - generic_key: { descriptor_value: v }
              - header_value_match: { descriptor_value: m, headers: [ { name: x, present_match: true } ] }
              - remote_address: {}
            """,
            false);

    List<DescriptorAction> actions = config.rateLimits().get(0).actions();
    assertThat(actions.get(0)).isEqualTo(new DescriptorAction.GenericKey("generic_key", "v"));
    assertThat(((DescriptorAction.HeaderValueMatch) actions.get(1)).key())
        .isEqualTo("header_match");
    assertThat(actions.get(2)).isInstanceOf(DescriptorAction.RemoteAddress.class);
  }
}
