package io.attache.dataplane.filter.rbac;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.ConnectionData;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.matcher.MatchingData;
import io.attache.dataplane.matcher.UnifiedMatcher;
import io.envoyproxy.envoy.config.rbac.v3.Action;
import java.util.Optional;
import java.util.Set;

/**
 * The RBAC filter's {@code matcher} / {@code shadow_matcher}: a unified match tree on the request
 * headers whose actions are {@code config.rbac.v3.Action}s (a name and ALLOW, DENY or LOG). The
 * matched action decides and names the policy; no match denies, as in Envoy. Immutable; safe to
 * share across event loops.
 */
public final class RbacMatcherEngine implements RbacPolicies {
  static final String ACTION_TYPE_URL = "type.googleapis.com/envoy.config.rbac.v3.Action";
  private static final String NETWORK =
      "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.";

  /**
   * What Envoy 1.40's RBAC HTTP filter reads of what Attaché implements: request headers and the
   * network inputs on the stream's addresses (probed: it refuses query, response and trailer
   * inputs). {@code ServerNameInput} is left out: Attaché's HTTP stream does not carry the SNI.
   */
  private static final Set<String> INPUTS =
      Set.of(
          "type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput",
          NETWORK + "DestinationIPInput",
          NETWORK + "DestinationPortInput",
          NETWORK + "SourceIPInput",
          NETWORK + "SourcePortInput",
          NETWORK + "DirectSourceIPInput",
          NETWORK + "SourceTypeInput");

  private record RbacAction(String name, RbacEngine.Decision decision) {}

  private final UnifiedMatcher<RbacAction> matcher;

  private RbacMatcherEngine(UnifiedMatcher<RbacAction> matcher) {
    this.matcher = matcher;
  }

  /** Compiles {@code proto}; errors name the field under {@code path}. */
  public static RbacMatcherEngine from(Matcher proto, String path) throws ConfigException {
    UnifiedMatcher.requireInputs(proto, INPUTS, "RBAC HTTP filter", path);
    return new RbacMatcherEngine(UnifiedMatcher.compile(proto, RbacMatcherEngine::action, path));
  }

  private static RbacAction action(TypedExtensionConfig action, String path)
      throws ConfigException {
    if (!action.getTypedConfig().getTypeUrl().equals(ACTION_TYPE_URL)) {
      throw new ConfigException(
          path + ".typed_config",
          "RBAC matcher actions must be envoy.config.rbac.v3.Action, got "
              + action.getTypedConfig().getTypeUrl());
    }
    Action proto;
    try {
      proto = action.getTypedConfig().unpack(Action.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", "not an Action: " + e.getMessage());
    }
    RbacEngine.Decision decision =
        switch (proto.getAction()) {
          case ALLOW, LOG -> RbacEngine.Decision.ALLOWED;
          case DENY -> RbacEngine.Decision.DENIED;
          default -> throw new ConfigException(path + ".typed_config.action", "unknown action");
        };
    return new RbacAction(proto.getName(), decision);
  }

  @Override
  public RbacEngine.Evaluation evaluate(RbacRequest request) {
    UnifiedMatcher.Result<RbacAction> result =
        matcher.match(
            new MatchingData() {
              @Override
              public HeaderSource requestHeaders() {
                return request;
              }

              @Override
              public HeaderSource responseHeaders() {
                return null;
              }

              @Override
              public ConnectionData connection() {
                return request.connection();
              }
            });
    if (!result.matched()) {
      return new RbacEngine.Evaluation(RbacEngine.Decision.DENIED, Optional.empty());
    }
    RbacAction action = result.action();
    return new RbacEngine.Evaluation(
        action.decision(), action.name().isEmpty() ? Optional.empty() : Optional.of(action.name()));
  }
}
