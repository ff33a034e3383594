package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled {@code config.route.v3.QueryParameterMatcher}: the first value of the named parameter
 * (raw, not percent-decoded, as Envoy matches it) must satisfy the string matcher; {@code
 * present_match} (true or false) and an empty specifier only require presence, as in Envoy.
 */
final class QueryParameterMatch {
  private final String name;
  private final StringMatch valueMatch;

  private QueryParameterMatch(String name, StringMatch valueMatch) {
    this.name = name;
    this.valueMatch = valueMatch;
  }

  static List<QueryParameterMatch> compileAll(List<QueryParameterMatcher> protos, String fieldPath)
      throws ConfigException {
    List<QueryParameterMatch> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      QueryParameterMatcher proto = protos.get(i);
      String path = fieldPath + "[" + i + "]";
      if (proto.getName().isEmpty() || proto.getName().length() > 1024) {
        throw new ConfigException(path + ".name", "must be 1 to 1024 characters");
      }
      StringMatch value =
          proto.hasStringMatch()
              ? StringMatch.compile(proto.getStringMatch(), path + ".string_match")
              : null;
      out.add(new QueryParameterMatch(proto.getName(), value));
    }
    return List.copyOf(out);
  }

  boolean matches(RequestView request) {
    String value = request.query().firstValue(name);
    if (value == null) {
      return false;
    }
    return valueMatch == null || valueMatch.matches(value);
  }

  static boolean allMatch(List<QueryParameterMatch> matchers, RequestView request) {
    for (int i = 0; i < matchers.size(); i++) {
      if (!matchers.get(i).matches(request)) {
        return false;
      }
    }
    return true;
  }
}
