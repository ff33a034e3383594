package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.matcher.Regex;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A route's compiled {@code hash_policy} list, producing the request hash a ring-hash or Maglev
 * balancer consumes. Follows Envoy: each policy that yields a value is XXH64-hashed and combined as
 * {@code rotl(hash, 1) ^ new}; a {@code terminal} policy stops the walk once any hash exists.
 * Header values are sorted before hashing so their order does not matter. Cookie policies only read
 * an existing cookie: Envoy's cookie generation ({@code ttl} set, cookie absent) is not done, so
 * such a request gets no hash from that policy. {@code filter_state} never yields a hash (this
 * proxy has no filter state), exactly as Envoy behaves when the key is absent. Immutable.
 */
final class HashPolicy {
  static final HashPolicy NONE = new HashPolicy(List.of());

  private interface Method {
    /** The hash this policy yields for the request, or null when it yields none. */
    Long evaluate(RequestView request);
  }

  private record Step(Method method, boolean terminal) {}

  private final List<Step> steps;

  private HashPolicy(List<Step> steps) {
    this.steps = steps;
  }

  static HashPolicy compile(List<RouteAction.HashPolicy> protos, String fieldPath)
      throws ConfigException {
    if (protos.isEmpty()) {
      return NONE;
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      RouteAction.HashPolicy proto = protos.get(i);
      String path = fieldPath + "[" + i + "]";
      Method method;
      switch (proto.getPolicySpecifierCase()) {
        case HEADER -> method = header(proto.getHeader(), path + ".header");
        case COOKIE -> {
          String name = proto.getCookie().getName();
          if (name.isEmpty()) {
            throw new ConfigException(path + ".cookie.name", "must not be empty");
          }
          method = request -> hashOrNull(cookieValue(request, name));
        }
        case CONNECTION_PROPERTIES -> {
          if (!proto.getConnectionProperties().getSourceIp()) {
            continue; // Envoy adds no policy when source_ip is false.
          }
          method =
              request ->
                  request.context.sourceAddress().map(a -> hash(Addresses.toText(a))).orElse(null);
        }
        case QUERY_PARAMETER -> {
          String name = proto.getQueryParameter().getName();
          if (name.isEmpty()) {
            throw new ConfigException(path + ".query_parameter.name", "must not be empty");
          }
          method =
              request -> {
                String value = request.query().firstValue(name);
                return value == null ? null : hash(value);
              };
        }
        case FILTER_STATE -> {
          if (proto.getFilterState().getKey().isEmpty()) {
            throw new ConfigException(path + ".filter_state.key", "must not be empty");
          }
          method = request -> null;
        }
        default ->
            throw new ConfigException(
                path,
                "one of header, cookie, connection_properties, query_parameter, filter_state is required");
      }
      steps.add(new Step(method, proto.getTerminal()));
    }
    return new HashPolicy(List.copyOf(steps));
  }

  private static Method header(RouteAction.HashPolicy.Header proto, String path)
      throws ConfigException {
    String name = proto.getHeaderName().toLowerCase(java.util.Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(path + ".header_name", "must not be empty");
    }
    Regex rewrite = null;
    Regex.Substitution substitution = null;
    if (proto.hasRegexRewrite()) {
      rewrite =
          Regex.compile(
              proto.getRegexRewrite().getPattern().getRegex(),
              path + ".regex_rewrite.pattern.regex");
      substitution =
          rewrite.substitution(
              proto.getRegexRewrite().getSubstitution(), path + ".regex_rewrite.substitution");
    }
    Regex pattern = rewrite;
    Regex.Substitution replacement = substitution;
    return request -> {
      List<String> values = request.headerValues(name);
      if (values.isEmpty()) {
        return null;
      }
      List<String> rewritten = new ArrayList<>(values.size());
      for (String value : values) {
        rewritten.add(pattern == null ? value : pattern.replaceAll(value, replacement));
      }
      rewritten.sort(null);
      return hash(String.join("", rewritten));
    };
  }

  private static Long hashOrNull(String value) {
    return value == null || value.isEmpty() ? null : hash(value);
  }

  static long hash(String value) {
    // Netty keeps header bytes one per char, so ISO-8859-1 gives back the bytes Envoy hashes.
    return XxHash64.hash(value.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * The value of cookie {@code name} from the request's {@code cookie} headers, as Envoy parses it.
   */
  static String cookieValue(RequestView request, String name) {
    for (String header : request.headers.getAll("cookie")) {
      int start = 0;
      while (start < header.length()) {
        int end = header.indexOf(';', start);
        if (end < 0) {
          end = header.length();
        }
        int from = start;
        while (from < end && header.charAt(from) == ' ') {
          from++;
        }
        int equals = header.indexOf('=', from);
        if (equals > from
            && equals < end
            && header.regionMatches(from, name, 0, name.length())
            && equals - from == name.length()) {
          String value = header.substring(equals + 1, end);
          if (value.length() >= 2
              && value.charAt(0) == '"'
              && value.charAt(value.length() - 1) == '"') {
            value = value.substring(1, value.length() - 1);
          }
          return value;
        }
        start = end + 1;
      }
    }
    return null;
  }

  boolean isEmpty() {
    return steps.isEmpty();
  }

  OptionalLong evaluate(RequestView request) {
    boolean present = false;
    long hash = 0;
    for (Step step : steps) {
      Long value = step.method.evaluate(request);
      if (value != null) {
        long previous = present ? Long.rotateLeft(hash, 1) : 0;
        hash = previous ^ value;
        present = true;
      }
      if (step.terminal && present) {
        break;
      }
    }
    return present ? OptionalLong.of(hash) : OptionalLong.empty();
  }
}
