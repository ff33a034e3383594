package io.attache.dataplane.filter.rbac;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One compiled {@code config.rbac.v3.RBAC}: an action and its named policies. A request matches a
 * policy when any of its permissions and any of its principals match. Policies are tried in the
 * order of their names (Envoy keeps them in a sorted map), so the reported policy is the first
 * matching name. Immutable; safe to share across event loops.
 */
public final class RbacEngine implements RbacPolicies {
  /** {@code RBAC.action}. */
  public enum Action {
    ALLOW,
    DENY,
    LOG
  }

  /** What the engine says about a request. */
  public enum Decision {
    ALLOWED,
    DENIED
  }

  /**
   * The outcome for one request: the decision and the first matching policy (empty when none
   * matched).
   */
  public record Evaluation(Decision decision, Optional<String> matchedPolicy) {
    /** The policy name as Envoy prints it in response details and logs: {@code none} if absent. */
    public String policyForLog() {
      return matchedPolicy.map(p -> p.replaceAll("\\s", "_")).orElse("none");
    }
  }

  private record CompiledPolicy(
      String name, List<RbacMatcher> permissions, List<RbacMatcher> principals) {
    boolean matches(RbacRequest request) {
      return RbacMatcher.anyMatches(permissions, request)
          && RbacMatcher.anyMatches(principals, request);
    }
  }

  private final Action action;
  private final List<CompiledPolicy> policies;

  private RbacEngine(Action action, List<CompiledPolicy> policies) {
    this.action = action;
    this.policies = policies;
  }

  /** Compiles {@code proto}; errors name the field under {@code path}. */
  public static RbacEngine from(RBAC proto, String path) throws ConfigException {
    Action action =
        switch (proto.getAction()) {
          case ALLOW -> Action.ALLOW;
          case DENY -> Action.DENY;
          case LOG -> Action.LOG;
          default -> throw new ConfigException(path + ".action", "unknown action");
        };
    if (proto.hasAuditLoggingOptions()) {
      throw new ConfigException(
          path + ".audit_logging_options",
          "not supported by Attaché's RBAC filter: audit loggers are not implemented");
    }
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (Map.Entry<String, Policy> e : new TreeMap<>(proto.getPoliciesMap()).entrySet()) {
      compiled.add(compile(e.getKey(), e.getValue(), path + ".policies[\"" + e.getKey() + "\"]"));
    }
    return new RbacEngine(action, List.copyOf(compiled));
  }

  private static CompiledPolicy compile(String name, Policy policy, String path)
      throws ConfigException {
    if (policy.hasCondition()) {
      throw new ConfigException(
          path + ".condition", "not supported by Attaché's RBAC filter: CEL is not implemented");
    }
    if (policy.hasCheckedCondition()) {
      throw new ConfigException(
          path + ".checked_condition",
          "not supported by Attaché's RBAC filter: CEL is not implemented");
    }
    return new CompiledPolicy(
        name,
        RbacMatcher.permissions(policy.getPermissionsList(), path + ".permissions"),
        RbacMatcher.principals(policy.getPrincipalsList(), path + ".principals"));
  }

  public Action action() {
    return action;
  }

  @Override
  public boolean logOnly() {
    return action == Action.LOG;
  }

  /**
   * ALLOW: allowed only when a policy matches; DENY: denied when a policy matches; LOG: always
   * allowed, the matched policy is only reported.
   */
  @Override
  public Evaluation evaluate(RbacRequest request) {
    Optional<String> matched = Optional.empty();
    for (int i = 0; i < policies.size(); i++) {
      CompiledPolicy policy = policies.get(i);
      if (policy.matches(request)) {
        matched = Optional.of(policy.name());
        break;
      }
    }
    Decision decision =
        switch (action) {
          case ALLOW -> matched.isPresent() ? Decision.ALLOWED : Decision.DENIED;
          case DENY -> matched.isPresent() ? Decision.DENIED : Decision.ALLOWED;
          case LOG -> Decision.ALLOWED;
        };
    return new Evaluation(decision, matched);
  }
}
