package io.attache.dataplane.filter.cache;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig.KeyCreatorParams;
import java.util.ArrayList;
import java.util.List;

/**
 * How a request becomes a cache key ({@code CacheConfig.key_creator_params}): scheme, host and
 * path, with the query reduced to the parameters {@code query_parameters_included} names (all when
 * empty) minus those {@code query_parameters_excluded} names, kept in their request order.
 * Immutable; never looks at any other request header (vary is the store's business).
 */
record CacheKeys(
    boolean excludeScheme,
    boolean excludeHost,
    List<QueryRule> included,
    List<QueryRule> excluded) {
  static final CacheKeys DEFAULT = new CacheKeys(false, false, List.of(), List.of());

  /** One {@code QueryParameterMatcher}: the name, and the value's matcher (null: any value). */
  record QueryRule(String name, StringMatch value) {
    boolean matches(String paramName, String paramValue) {
      return name.equals(paramName) && (value == null || value.matches(paramValue));
    }
  }

  static CacheKeys from(KeyCreatorParams proto, String path) throws ConfigException {
    return new CacheKeys(
        proto.getExcludeScheme(),
        proto.getExcludeHost(),
        rules(proto.getQueryParametersIncludedList(), path + ".query_parameters_included"),
        rules(proto.getQueryParametersExcludedList(), path + ".query_parameters_excluded"));
  }

  private static List<QueryRule> rules(List<QueryParameterMatcher> protos, String path)
      throws ConfigException {
    List<QueryRule> out = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      QueryParameterMatcher p = protos.get(i);
      String at = path + "[" + i + "]";
      if (p.getName().isEmpty()) {
        throw new ConfigException(at + ".name", "must not be empty");
      }
      StringMatch value =
          p.hasStringMatch() ? StringMatch.compile(p.getStringMatch(), at + ".string_match") : null;
      out.add(new QueryRule(p.getName(), value));
    }
    return List.copyOf(out);
  }

  /** The key of a request for {@code scheme}, {@code host} and {@code pathAndQuery}. */
  String keyOf(String scheme, String host, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    StringBuilder key = new StringBuilder(pathAndQuery.length() + 32);
    key.append(excludeScheme ? "" : scheme).append('\n');
    key.append(excludeHost ? "" : host).append('\n');
    key.append(path);
    if (q >= 0) {
      char separator = '?';
      for (String param : pathAndQuery.substring(q + 1).split("&", -1)) {
        if (param.isEmpty()) {
          continue;
        }
        int eq = param.indexOf('=');
        String name = eq < 0 ? param : param.substring(0, eq);
        String value = eq < 0 ? "" : param.substring(eq + 1);
        if (keeps(name, value)) {
          key.append(separator).append(param);
          separator = '&';
        }
      }
    }
    return key.toString();
  }

  private boolean keeps(String name, String value) {
    if (!included.isEmpty() && !anyMatches(included, name, value)) {
      return false;
    }
    return !anyMatches(excluded, name, value);
  }

  private static boolean anyMatches(List<QueryRule> rules, String name, String value) {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).matches(name, value)) {
        return true;
      }
    }
    return false;
  }
}
