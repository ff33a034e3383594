package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.AuthorizationAction;
import io.attache.api.policy.v1.AuthorizationOperation;
import io.attache.api.policy.v1.AuthorizationRule;
import io.attache.api.policy.v1.AuthorizationSource;
import io.attache.api.policy.v1.HeaderMatch;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Authorization policies → the {@code envoy.filters.http.rbac} filters of one service's inbound
 * listener, combined the way Istio combines AuthorizationPolicies: a DENY filter first (any
 * matching DENY rule refuses the request), then an ALLOW filter (once any ALLOW policy targets the
 * service, a request must match one of their rules). A service without policies gets no filter.
 * Pure; policies are walked in name order so the output is deterministic.
 */
public final class AuthorizationTranslator {

  /** Matches any non-empty peer principal: Istio's "*" means "any authenticated peer". */
  private static final String ANY_PRINCIPAL = ".+";

  /** The RBAC filters for the inbound listener of proxies whose node.cluster is {@code target}. */
  public List<HttpFilter> inboundFilters(PolicySnapshot policy, String target) {
    List<Authorization> deny = new ArrayList<>();
    List<Authorization> allow = new ArrayList<>();
    for (Authorization authorization : policy.authorizations().values()) {
      if (authorization.getTarget().equals(target)) {
        (authorization.getAction() == AuthorizationAction.DENY ? deny : allow).add(authorization);
      }
    }
    List<HttpFilter> filters = new ArrayList<>();
    if (!deny.isEmpty()) {
      filters.add(filter(RBAC.Action.DENY, deny));
    }
    if (!allow.isEmpty()) {
      filters.add(filter(RBAC.Action.ALLOW, allow));
    }
    return filters;
  }

  private static HttpFilter filter(RBAC.Action action, List<Authorization> authorizations) {
    RBAC.Builder rules = RBAC.newBuilder().setAction(action);
    for (Authorization authorization : authorizations) {
      for (int i = 0; i < authorization.getRulesCount(); i++) {
        rules.putPolicies(
            authorization.getName() + ".rules[" + i + "]", policy(authorization.getRules(i)));
      }
    }
    return HttpFilter.newBuilder()
        .setName(XdsNames.RBAC_FILTER)
        .setTypedConfig(
            Any.pack(
                io.envoyproxy
                    .envoy
                    .extensions
                    .filters
                    .http
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .setRules(rules)
                    .build()))
        .build();
  }

  private static Policy policy(AuthorizationRule rule) {
    return Policy.newBuilder()
        .addAllPrincipals(principals(rule.getFrom()))
        .addAllPermissions(permissions(rule.getTo()))
        .build();
  }

  /**
   * Fields ANDed, values ORed; Policy.principals is itself an OR, so one field needs no wrapper.
   */
  private static List<Principal> principals(AuthorizationSource from) {
    List<List<Principal>> fields = new ArrayList<>();
    if (from.getPrincipalsCount() > 0) {
      fields.add(map(from.getPrincipalsList(), p -> byName(principal(p))));
    }
    if (from.getNamespacesCount() > 0) {
      fields.add(map(from.getNamespacesList(), ns -> byName(namespace(ns))));
    }
    if (from.getTokenPrincipalsCount() > 0) {
      fields.add(map(from.getTokenPrincipalsList(), p -> byTokenSubject(principal(p))));
    }
    if (fields.isEmpty()) {
      return List.of(Principal.newBuilder().setAny(true).build());
    }
    if (fields.size() == 1) {
      return fields.get(0);
    }
    Principal.Set.Builder all = Principal.Set.newBuilder();
    for (List<Principal> field : fields) {
      all.addIds(
          Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(field)).build());
    }
    return List.of(Principal.newBuilder().setAndIds(all).build());
  }

  private static List<Permission> permissions(AuthorizationOperation to) {
    List<List<Permission>> fields = new ArrayList<>();
    if (to.getMethodsCount() > 0) {
      fields.add(map(to.getMethodsList(), AuthorizationTranslator::method));
    }
    if (to.getPathsCount() > 0) {
      fields.add(map(to.getPathsList(), AuthorizationTranslator::path));
    }
    for (HeaderMatch header : to.getHeadersList()) {
      fields.add(List.of(header(RouteConfigurationTranslator.headerMatcher(header))));
    }
    if (fields.isEmpty()) {
      return List.of(Permission.newBuilder().setAny(true).build());
    }
    if (fields.size() == 1) {
      return fields.get(0);
    }
    Permission.Set.Builder all = Permission.Set.newBuilder();
    for (List<Permission> field : fields) {
      all.addRules(
          field.size() == 1
              ? field.get(0)
              : Permission.newBuilder()
                  .setOrRules(Permission.Set.newBuilder().addAllRules(field))
                  .build());
    }
    return List.of(Permission.newBuilder().setAndRules(all).build());
  }

  private static Principal byName(StringMatcher name) {
    return Principal.newBuilder()
        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name))
        .build();
  }

  /**
   * The "sub" of the identity token the inbound jwt_authn verified (its payload_in_metadata); a
   * request without a verified token has no such metadata and matches no subject.
   */
  private static Principal byTokenSubject(StringMatcher subject) {
    return Principal.newBuilder()
        .setMetadata(
            MetadataMatcher.newBuilder()
                .setFilter(IdentityTokenTranslator.JWT_AUTHN_METADATA_NAMESPACE)
                .addPath(
                    MetadataMatcher.PathSegment.newBuilder()
                        .setKey(IdentityTokenTranslator.PAYLOAD_METADATA_KEY))
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("sub"))
                .setValue(ValueMatcher.newBuilder().setStringMatch(subject)))
        .build();
  }

  /** The namespace segment of a SPIFFE identity spiffe://trust-domain/ns/NS/sa/SA. */
  private static StringMatcher namespace(String namespace) {
    // Namespaces are validated DNS labels, so they need no escaping inside the regex.
    return regex("spiffe://[^/]+/ns/" + namespace + "/.*");
  }

  private static Permission method(String method) {
    return header(
        HeaderMatcher.newBuilder()
            .setName(":method")
            .setStringMatch(StringMatcher.newBuilder().setExact(method))
            .build());
  }

  private static Permission path(String path) {
    if (path.equals("*")) {
      return Permission.newBuilder().setAny(true).build();
    }
    return Permission.newBuilder()
        .setUrlPath(PathMatcher.newBuilder().setPath(match(path)))
        .build();
  }

  private static Permission header(HeaderMatcher matcher) {
    return Permission.newBuilder().setHeader(matcher).build();
  }

  private static StringMatcher principal(String principal) {
    return principal.equals("*") ? regex(ANY_PRINCIPAL) : match(principal);
  }

  /** Istio's syntax: "prefix*", "*suffix", or exact ("*" alone is handled by the caller). */
  private static StringMatcher match(String value) {
    if (value.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix(value.substring(0, value.length() - 1)).build();
    }
    if (value.startsWith("*")) {
      return StringMatcher.newBuilder().setSuffix(value.substring(1)).build();
    }
    return StringMatcher.newBuilder().setExact(value).build();
  }

  private static StringMatcher regex(String regex) {
    return StringMatcher.newBuilder()
        .setSafeRegex(RegexMatcher.newBuilder().setRegex(regex))
        .build();
  }

  private static <T, R> List<R> map(List<T> values, Function<T, R> mapping) {
    return values.stream().map(mapping).toList();
  }
}
