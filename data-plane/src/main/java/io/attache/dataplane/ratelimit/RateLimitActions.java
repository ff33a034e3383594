package io.attache.dataplane.ratelimit;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles {@code config.route.v3.RateLimit} entries (a filter's own, a route's or a virtual
 * host's) with Envoy's rules; an action Attaché cannot run is refused by name, never dropped.
 */
public final class RateLimitActions {
  private RateLimitActions() {}

  /**
   * Compiles one {@code RateLimit}; errors name {@code path}. A route's or virtual host's entry may
   * carry a {@code disable_key} (the local rate limit filter then skips it, as Envoy's does); a
   * filter's own may not.
   */
  public static RateLimitPolicyEntry compile(RateLimit proto, String path, boolean routeLevel)
      throws ConfigException {
    if (proto.hasLimit()) {
      throw new ConfigException(path + ".limit", "dynamic limit overrides are not supported");
    }
    if (proto.hasHitsAddend()) {
      throw new ConfigException(path + ".hits_addend", "hits_addend is not supported");
    }
    if (proto.getApplyOnStreamDone()) {
      throw new ConfigException(path + ".apply_on_stream_done", "not supported");
    }
    if (!routeLevel && !proto.getDisableKey().isEmpty()) {
      throw new ConfigException(path + ".disable_key", "runtime disable keys are not supported");
    }
    int stage = proto.hasStage() ? proto.getStage().getValue() : 0;
    if (stage < 0 || stage > 10) {
      throw new ConfigException(path + ".stage", "stage must be between 0 and 10");
    }
    if (proto.getActionsCount() == 0) {
      throw new ConfigException(path + ".actions", "a rate limit needs at least one action");
    }
    List<DescriptorAction> actions = new ArrayList<>();
    for (int i = 0; i < proto.getActionsCount(); i++) {
      actions.add(action(proto.getActions(i), path + ".actions[" + i + "]"));
    }
    return new RateLimitPolicyEntry(stage, proto.getDisableKey(), actions);
  }

  /** Compiles a list of {@code rate_limits} at {@code path}. */
  public static List<RateLimitPolicyEntry> compileAll(
      List<RateLimit> protos, String path, boolean routeLevel) throws ConfigException {
    List<RateLimitPolicyEntry> entries = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      entries.add(compile(protos.get(i), path + "[" + i + "]", routeLevel));
    }
    return List.copyOf(entries);
  }

  private static DescriptorAction action(RateLimit.Action a, String path) throws ConfigException {
    return switch (a.getActionSpecifierCase()) {
      case GENERIC_KEY -> {
        if (a.getGenericKey().getDescriptorValue().isEmpty()) {
          throw new ConfigException(path + ".generic_key.descriptor_value", "required");
        }
        yield new DescriptorAction.GenericKey(
            a.getGenericKey().getDescriptorKey().isEmpty()
                ? "generic_key"
                : a.getGenericKey().getDescriptorKey(),
            a.getGenericKey().getDescriptorValue());
      }
      case REQUEST_HEADERS -> {
        RateLimit.Action.RequestHeaders h = a.getRequestHeaders();
        if (h.getHeaderName().isEmpty() || h.getDescriptorKey().isEmpty()) {
          throw new ConfigException(
              path + ".request_headers", "header_name and descriptor_key are required");
        }
        yield new DescriptorAction.RequestHeaders(
            h.getHeaderName().toLowerCase(java.util.Locale.ROOT),
            h.getDescriptorKey(),
            h.getSkipIfAbsent());
      }
      case QUERY_PARAMETERS -> {
        RateLimit.Action.QueryParameters q = a.getQueryParameters();
        if (q.getQueryParameterName().isEmpty() || q.getDescriptorKey().isEmpty()) {
          throw new ConfigException(
              path + ".query_parameters", "query_parameter_name and descriptor_key are required");
        }
        yield new DescriptorAction.QueryParameters(
            q.getQueryParameterName(), q.getDescriptorKey(), q.getSkipIfAbsent());
      }
      case REMOTE_ADDRESS -> new DescriptorAction.RemoteAddress();
      case MASKED_REMOTE_ADDRESS -> {
        RateLimit.Action.MaskedRemoteAddress m = a.getMaskedRemoteAddress();
        int v4 = m.hasV4PrefixMaskLen() ? m.getV4PrefixMaskLen().getValue() : 32;
        int v6 = m.hasV6PrefixMaskLen() ? m.getV6PrefixMaskLen().getValue() : 128;
        if (v4 > 32 || v6 > 128) {
          throw new ConfigException(path + ".masked_remote_address", "prefix length out of range");
        }
        yield new DescriptorAction.MaskedRemoteAddress(v4, v6);
      }
      case DESTINATION_CLUSTER -> new DescriptorAction.DestinationCluster();
      case SOURCE_CLUSTER -> new DescriptorAction.SourceCluster();
      case HEADER_VALUE_MATCH -> {
        RateLimit.Action.HeaderValueMatch m = a.getHeaderValueMatch();
        if (m.getDescriptorValue().isEmpty()) {
          throw new ConfigException(path + ".header_value_match.descriptor_value", "required");
        }
        if (m.getHeadersCount() == 0) {
          throw new ConfigException(
              path + ".header_value_match.headers", "at least one header matcher is required");
        }
        yield new DescriptorAction.HeaderValueMatch(
            m.getDescriptorKey().isEmpty() ? "header_match" : m.getDescriptorKey(),
            m.getDescriptorValue(),
            !m.hasExpectMatch() || m.getExpectMatch().getValue(),
            HeaderMatch.compileAll(m.getHeadersList(), path + ".header_value_match.headers"));
      }
      case ACTIONSPECIFIER_NOT_SET ->
          throw new ConfigException(path, "a rate limit action must be set");
      default ->
          throw new ConfigException(
              path,
              "rate limit action "
                  + a.getActionSpecifierCase().name().toLowerCase(java.util.Locale.ROOT)
                  + " is not supported");
    };
  }
}
