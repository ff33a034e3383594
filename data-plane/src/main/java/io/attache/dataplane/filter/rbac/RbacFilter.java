package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RBAC filter of one HTTP connection manager: evaluates the shadow rules (counted, never
 * enforced), then the enforced rules, and keeps the {@code http.<stat_prefix>.rbac.*} counters.
 * Safe to call from every event loop at once; never blocks. Its log lines name the caller by
 * verified principal or socket address and the matched policy, never a header value.
 */
public final class RbacFilter {
  private static final Logger log = LoggerFactory.getLogger(RbacFilter.class);

  /** Local reply body Envoy sends for a denied request. */
  public static final String DENIED_BODY = "RBAC: access denied";

  /** What the connection manager does next. */
  public enum Verdict {
    CONTINUE,
    DENY
  }

  /** The verdict for one request, with Envoy's response code details for a denial. */
  public record Result(Verdict verdict, String responseCodeDetails) {
    static final Result CONTINUE = new Result(Verdict.CONTINUE, "");
  }

  private final RbacFilterConfig config;
  private final Counter allowed;
  private final Counter denied;
  private final Counter shadowAllowed;
  private final Counter shadowDenied;

  /**
   * @param hcmStatPrefix the connection manager's {@code stat_prefix}; stats are {@code
   *     http.<hcmStatPrefix>.rbac.[<rules_stat_prefix>]allowed} and so on
   */
  public RbacFilter(RbacFilterConfig config, String hcmStatPrefix, StatsStore stats) {
    this.config = config;
    String base = "http." + hcmStatPrefix + ".rbac.";
    String rules = join(base, config.rulesStatPrefix());
    String shadow = join(base, config.shadowRulesStatPrefix());
    this.allowed = stats.counter(join(rules, "allowed"));
    this.denied = stats.counter(join(rules, "denied"));
    this.shadowAllowed = stats.counter(join(shadow, "shadow_allowed"));
    this.shadowDenied = stats.counter(join(shadow, "shadow_denied"));
  }

  /** Envoy's stat-prefix join: no separator after a trailing dot, one {@code .} otherwise. */
  static String join(String prefix, String token) {
    if (prefix.isEmpty()) {
      return token;
    }
    return prefix.endsWith(".") ? prefix + token : prefix + "." + token;
  }

  public RbacFilterConfig config() {
    return config;
  }

  /**
   * Runs the filter on one request's headers; the shadow result goes into {@code info}'s dynamic
   * metadata under {@code envoy.filters.http.rbac} ({@code [<shadow_rules_stat_prefix>]
   * shadow_engine_result}: allowed or denied, {@code shadow_effective_policy_id}: the matched
   * policy or matcher action name), as in Envoy.
   */
  public Result check(RbacRequest request, StreamInfo info) {
    if (config.shadowRules().isPresent()) {
      RbacEngine.Evaluation shadow = config.shadowRules().get().evaluate(request);
      boolean shadowAllows = shadow.decision() == RbacEngine.Decision.ALLOWED;
      if (shadowAllows) {
        shadowAllowed.inc();
      } else {
        shadowDenied.inc();
      }
      Struct.Builder metadata = Struct.newBuilder();
      String field = config.shadowRulesStatPrefix();
      shadow
          .matchedPolicy()
          .ifPresent(
              p ->
                  metadata.putFields(
                      field + "shadow_effective_policy_id",
                      Value.newBuilder().setStringValue(p).build()));
      metadata.putFields(
          field + "shadow_engine_result",
          Value.newBuilder().setStringValue(shadowAllows ? "allowed" : "denied").build());
      info.setDynamicMetadata(RbacFilterConfig.FILTER_NAME, metadata.build());
      if (log.isDebugEnabled()) {
        log.debug(
            "rbac {}: shadow {} {} matched policy {}",
            config.filterName(),
            shadow.decision() == RbacEngine.Decision.ALLOWED ? "allowed" : "denied",
            request.callerForLog(),
            shadow.policyForLog());
      }
    }
    if (config.rules().isEmpty()) {
      return Result.CONTINUE;
    }
    RbacPolicies engine = config.rules().get();
    RbacEngine.Evaluation enforced = engine.evaluate(request);
    if (enforced.decision() == RbacEngine.Decision.ALLOWED) {
      allowed.inc();
      if (log.isDebugEnabled()) {
        log.debug(
            "rbac {}: {} {} matched policy {}",
            config.filterName(),
            engine.logOnly() ? "logged" : "allowed",
            request.callerForLog(),
            enforced.policyForLog());
      }
      return Result.CONTINUE;
    }
    denied.inc();
    // Debug, as in Envoy: a flood of denied requests must not become a flood of log lines; the
    // denied counter and the access log's response code details carry the signal.
    if (log.isDebugEnabled()) {
      log.debug(
          "rbac {}: denied {} matched policy {}",
          config.filterName(),
          request.callerForLog(),
          enforced.policyForLog());
    }
    return new Result(
        Verdict.DENY, "rbac_access_denied_matched_policy[" + enforced.policyForLog() + "]");
  }
}
