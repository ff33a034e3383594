package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import java.util.Optional;

/**
 * One {@code envoy.filters.http.rbac} filter ({@code extensions.filters.http.rbac.v3.RBAC}), parsed
 * and validated once. Without {@code rules} the filter enforces nothing; {@code shadow_rules} are
 * only evaluated and counted. Immutable; holds no counters (those live in {@link RbacFilter}).
 *
 * @param filterName the {@code HttpFilter.name} it was configured under (for logs)
 * @param rules the enforced engine, if any
 * @param rulesStatPrefix {@code rules_stat_prefix}, inserted after {@code rbac.}
 * @param shadowRules the shadow engine, if any
 * @param shadowRulesStatPrefix {@code shadow_rules_stat_prefix}, inserted after {@code rbac.}
 */
public record RbacFilterConfig(
    String filterName,
    Optional<RbacEngine> rules,
    String rulesStatPrefix,
    Optional<RbacEngine> shadowRules,
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
    if (proto.hasMatcher()) {
      throw new ConfigException(
          fieldPath + ".matcher",
          "not supported by Attaché's RBAC filter: use rules (matcher trees are not implemented)");
    }
    if (proto.hasShadowMatcher()) {
      throw new ConfigException(
          fieldPath + ".shadow_matcher",
          "not supported by Attaché's RBAC filter: use shadow_rules (matcher trees are not"
              + " implemented)");
    }
    if (proto.getTrackPerRuleStats()) {
      throw new ConfigException(
          fieldPath + ".track_per_rule_stats",
          "not supported by Attaché's RBAC filter: per-policy stats are not emitted");
    }
    Optional<RbacEngine> rules =
        proto.hasRules()
            ? Optional.of(RbacEngine.from(proto.getRules(), fieldPath + ".rules"))
            : Optional.empty();
    Optional<RbacEngine> shadow =
        proto.hasShadowRules()
            ? Optional.of(RbacEngine.from(proto.getShadowRules(), fieldPath + ".shadow_rules"))
            : Optional.empty();
    return new RbacFilterConfig(
        filterName, rules, proto.getRulesStatPrefix(), shadow, proto.getShadowRulesStatPrefix());
  }
}
