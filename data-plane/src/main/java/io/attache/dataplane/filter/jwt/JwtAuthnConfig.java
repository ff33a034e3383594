package io.attache.dataplane.filter.jwt;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.matcher.Regex;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One {@code envoy.filters.http.jwt_authn} filter ({@code JwtAuthentication}), parsed once: its
 * providers, its {@code rules} (first match wins; no match means no requirement) and its {@code
 * requirement_map} for per-route {@code requirement_name}s. Immutable; holds no state (keys and
 * counters live in {@link JwtAuthnFilter}).
 */
public record JwtAuthnConfig(
    String filterName,
    Map<String, JwtProviderConfig> providers,
    List<Rule> rules,
    Map<String, JwtRequirementVerifier> requirementMap,
    boolean bypassCorsPreflight,
    boolean stripFailureResponse,
    String statPrefix) {

  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
  public static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig";
  public static final String FILTER_NAME = "envoy.filters.http.jwt_authn";

  /** A {@code PerRouteConfig}: the filter off for the route, or the requirement it names. */
  public record PerRoute(boolean disabled, String requirementName) {}

  /** One {@code RequirementRule}: a path (and header) match and the requirement it applies. */
  record Rule(PathMatch path, List<HeaderMatch> headers, JwtRequirementVerifier verifier) {
    boolean matches(HttpRequest request, String scheme) {
      return path.matches(pathOf(request.uri()))
          && HeaderMatch.allMatch(headers, HeaderSource.ofRequest(request, scheme));
    }
  }

  /** The {@code path_specifier} of a rule, compared with the path without query or fragment. */
  interface PathMatch {
    boolean matches(String path);
  }

  public static JwtAuthnConfig from(String filterName, Any typedConfig, String path)
      throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(path, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    JwtAuthentication proto;
    try {
      proto = typedConfig.unpack(JwtAuthentication.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a JwtAuthentication config: " + e.getMessage());
    }
    return from(filterName, proto, path);
  }

  public static JwtAuthnConfig from(String filterName, JwtAuthentication proto, String path)
      throws ConfigException {
    if (proto.hasFilterStateRules()) {
      throw new ConfigException(
          path + ".filter_state_rules",
          "not supported by Attaché's jwt_authn filter: there is no filter state");
    }
    Map<String, JwtProviderConfig> providers = new LinkedHashMap<>();
    for (Map.Entry<String, JwtProvider> e : new TreeMap<>(proto.getProvidersMap()).entrySet()) {
      providers.put(
          e.getKey(),
          JwtProviderConfig.from(
              e.getKey(), e.getValue(), path + ".providers[\"" + e.getKey() + "\"]"));
    }
    Map<String, JwtRequirementVerifier> requirementMap = new LinkedHashMap<>();
    for (var e : new TreeMap<>(proto.getRequirementMapMap()).entrySet()) {
      requirementMap.put(
          e.getKey(),
          JwtRequirementVerifier.compile(
              e.getValue(), providers, path + ".requirement_map[\"" + e.getKey() + "\"]"));
    }
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < proto.getRulesCount(); i++) {
      RequirementRule r = proto.getRules(i);
      String rp = path + ".rules[" + i + "]";
      JwtRequirementVerifier verifier;
      switch (r.getRequirementTypeCase()) {
        case REQUIRES ->
            verifier = JwtRequirementVerifier.compile(r.getRequires(), providers, rp + ".requires");
        case REQUIREMENT_NAME -> {
          verifier = requirementMap.get(r.getRequirementName());
          if (verifier == null) {
            throw new ConfigException(
                rp + ".requirement_name",
                "'" + r.getRequirementName() + "' is not in requirement_map");
          }
        }
        default -> verifier = new JwtRequirementVerifier.AllowAll();
      }
      if (!r.hasMatch()) {
        throw new ConfigException(rp + ".match", "is required");
      }
      rules.add(
          new Rule(
              pathMatch(r.getMatch(), rp + ".match"),
              HeaderMatch.compileAll(r.getMatch().getHeadersList(), rp + ".match.headers"),
              verifier));
    }
    return new JwtAuthnConfig(
        filterName,
        Map.copyOf(providers),
        List.copyOf(rules),
        Map.copyOf(requirementMap),
        proto.getBypassCorsPreflight(),
        proto.getStripFailureResponse(),
        proto.getStatPrefix());
  }

  /** The providers in name order (for byIssuer lookups that must not depend on hashing). */
  List<JwtProviderConfig> providersInOrder() {
    return new TreeMap<>(providers).values().stream().toList();
  }

  static PerRoute perRoute(Any typedConfig, String path) throws ConfigException {
    PerRouteConfig proto;
    try {
      proto = typedConfig.unpack(PerRouteConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a jwt_authn PerRouteConfig: " + e.getMessage());
    }
    if (proto.getRequirementSpecifierCase()
        == PerRouteConfig.RequirementSpecifierCase.REQUIREMENTSPECIFIER_NOT_SET) {
      throw new ConfigException(path, "one of disabled or requirement_name is required");
    }
    return new PerRoute(proto.getDisabled(), proto.getRequirementName());
  }

  /** The rule for a request: the first whose match fits, empty when none does. */
  Optional<JwtRequirementVerifier> ruleFor(HttpRequest request, String scheme) {
    for (Rule r : rules) {
      if (r.matches(request, scheme)) {
        return Optional.of(r.verifier());
      }
    }
    return Optional.empty();
  }

  private static PathMatch pathMatch(RouteMatch m, String path) throws ConfigException {
    refuseSet(m.getQueryParametersCount() > 0, path + ".query_parameters");
    refuseSet(m.hasGrpc(), path + ".grpc");
    refuseSet(m.hasRuntimeFraction(), path + ".runtime_fraction");
    refuseSet(m.hasTlsContext(), path + ".tls_context");
    refuseSet(m.getDynamicMetadataCount() > 0, path + ".dynamic_metadata");
    refuseSet(m.getFilterStateCount() > 0, path + ".filter_state");
    boolean ignoreCase = m.hasCaseSensitive() && !m.getCaseSensitive().getValue();
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        String prefix = m.getPrefix();
        return p -> p.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
      }
      case PATH -> {
        String exact = m.getPath();
        return p -> ignoreCase ? p.equalsIgnoreCase(exact) : p.equals(exact);
      }
      case PATH_SEPARATED_PREFIX -> {
        String prefix = m.getPathSeparatedPrefix();
        return p ->
            p.regionMatches(ignoreCase, 0, prefix, 0, prefix.length())
                && (p.length() == prefix.length() || p.charAt(prefix.length()) == '/');
      }
      case SAFE_REGEX -> {
        Regex regex = Regex.compile(m.getSafeRegex().getRegex(), path + ".safe_regex.regex");
        return regex::fullMatch;
      }
      default ->
          throw new ConfigException(
              path, "one of prefix, path, safe_regex or path_separated_prefix is required");
    }
  }

  private static void refuseSet(boolean set, String path) throws ConfigException {
    if (set) {
      throw new ConfigException(path, "not supported in jwt_authn rules by Attaché");
    }
  }

  private static String pathOf(String uri) {
    int end = uri.length();
    int q = uri.indexOf('?');
    if (q >= 0) {
      end = q;
    }
    int f = uri.indexOf('#');
    if (f >= 0 && f < end) {
      end = f;
    }
    return uri.substring(0, end);
  }
}
