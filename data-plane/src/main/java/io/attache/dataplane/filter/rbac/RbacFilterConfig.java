package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import java.util.Optional;

/**
 * One {@code envoy.filters.http.rbac} filter ({@code extensions.filters.http.rbac.v3.RBAC}), parsed
 * and validated once. Without {@code rules} or {@code matcher} the filter enforces nothing; {@code
 * shadow_rules} / {@code shadow_matcher} are only evaluated, counted and written to the stream's
 * dynamic metadata. A {@code matcher} takes the place of {@code rules} (and {@code shadow_matcher}
 * of {@code shadow_rules}) when both are set, as in Envoy. Immutable; holds no counters (those live
 * in {@link RbacFilter}).
 *
 * @param filterName the {@code HttpFilter.name} it was configured under (for logs)
 * @param rules the enforced engine, if any
 * @param rulesStatPrefix {@code rules_stat_prefix}, inserted after {@code rbac.}
 * @param shadowRules the shadow engine, if any
 * @param shadowRulesStatPrefix {@code shadow_rules_stat_prefix}, inserted after {@code rbac.}
 */
public record RbacFilterConfig(
    String filterName,
    Optional<RbacPolicies> rules,
    String rulesStatPrefix,
    Optional<RbacPolicies> shadowRules,
    String shadowRulesStatPrefix) {

  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
  public static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute";
  public static final String FILTER_NAME = "envoy.filters.http.rbac";

  /** Unpacks an {@code HttpFilter.typed_config}; errors name {@code fieldPath}. */
  public static RbacFilterConfig from(String filterName, Any typedConfig, String fieldPath)
      throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(
          fieldPath, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(filterName, typedConfig.unpack(RBAC.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not an RBAC filter config: " + e.getMessage());
    }
  }

  public static RbacFilterConfig from(String filterName, RBAC proto, String fieldPath)
      throws ConfigException {
    if (proto.getTrackPerRuleStats()) {
      throw new ConfigException(
          fieldPath + ".track_per_rule_stats",
          "not supported by Attaché's RBAC filter: per-policy stats are not emitted");
    }
    Optional<RbacPolicies> rules;
    if (proto.hasMatcher()) {
      rules = Optional.of(RbacMatcherEngine.from(proto.getMatcher(), fieldPath + ".matcher"));
    } else if (proto.hasRules()) {
      rules = Optional.of(RbacEngine.from(proto.getRules(), fieldPath + ".rules"));
    } else {
      rules = Optional.empty();
    }
    Optional<RbacPolicies> shadow;
    if (proto.hasShadowMatcher()) {
      shadow =
          Optional.of(
              RbacMatcherEngine.from(proto.getShadowMatcher(), fieldPath + ".shadow_matcher"));
    } else if (proto.hasShadowRules()) {
      shadow = Optional.of(RbacEngine.from(proto.getShadowRules(), fieldPath + ".shadow_rules"));
    } else {
      shadow = Optional.empty();
    }
    return new RbacFilterConfig(
        filterName, rules, proto.getRulesStatPrefix(), shadow, proto.getShadowRulesStatPrefix());
  }
}
