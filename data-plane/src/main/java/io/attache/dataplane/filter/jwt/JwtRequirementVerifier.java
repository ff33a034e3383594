package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.jwt.JwtVerification.Outcome;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A {@code JwtRequirement} compiled into Envoy's verifier tree: {@code provider_name} and {@code
 * provider_and_audiences} verify that provider's tokens; {@code requires_any} passes at its first
 * passing child and otherwise answers with its last child's status (an {@code allow_missing[_or_
 * failed]} child runs last, over the providers its siblings name); {@code requires_all} fails at
 * its first failing child; an empty requirement allows everything. Immutable.
 */
abstract sealed class JwtRequirementVerifier {
  abstract Outcome verify(JwtVerification v);

  /** Every provider whose tokens this verifier reads (for header sanitising). */
  abstract Set<JwtProviderConfig> providers();

  static JwtRequirementVerifier compile(
      JwtRequirement r, Map<String, JwtProviderConfig> providers, String path)
      throws ConfigException {
    return compile(r, providers, List.of(), path);
  }

  private static JwtRequirementVerifier compile(
      JwtRequirement r,
      Map<String, JwtProviderConfig> providers,
      List<JwtProviderConfig> siblingProviders,
      String path)
      throws ConfigException {
    return switch (r.getRequiresTypeCase()) {
      case PROVIDER_NAME ->
          new Tokens(
              new JwtAuthenticator(
                  List.of(provider(providers, r.getProviderName(), path + ".provider_name")),
                  provider(providers, r.getProviderName(), path + ".provider_name"),
                  null,
                  false,
                  false));
      case PROVIDER_AND_AUDIENCES -> {
        var pa = r.getProviderAndAudiences();
        JwtProviderConfig p =
            provider(providers, pa.getProviderName(), path + ".provider_and_audiences");
        yield new Tokens(
            new JwtAuthenticator(
                List.of(p),
                p,
                pa.getAudiencesList().stream()
                    .map(JwtProviderConfig::normaliseAudience)
                    .collect(Collectors.toUnmodifiableSet()),
                false,
                false));
      }
      case ALLOW_MISSING ->
          new Tokens(new JwtAuthenticator(siblingProviders, null, null, false, true));
      case ALLOW_MISSING_OR_FAILED ->
          new Tokens(new JwtAuthenticator(siblingProviders, null, null, true, true));
      case REQUIRES_ANY -> any(r.getRequiresAny().getRequirementsList(), providers, path);
      case REQUIRES_ALL -> {
        var list = r.getRequiresAll().getRequirementsList();
        if (list.size() < 2) {
          throw new ConfigException(path + ".requires_all.requirements", "needs at least 2 items");
        }
        List<JwtRequirementVerifier> children = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          children.add(
              compile(
                  list.get(i),
                  providers,
                  List.of(),
                  path + ".requires_all.requirements[" + i + "]"));
        }
        yield new All(children);
      }
      case REQUIRESTYPE_NOT_SET -> new AllowAll();
    };
  }

  private static JwtRequirementVerifier any(
      List<JwtRequirement> list, Map<String, JwtProviderConfig> providers, String path)
      throws ConfigException {
    if (list.size() < 2) {
      throw new ConfigException(path + ".requires_any.requirements", "needs at least 2 items");
    }
    List<JwtProviderConfig> used = new ArrayList<>();
    JwtRequirement bypass = null;
    int bypassIndex = -1;
    List<JwtRequirementVerifier> children = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JwtRequirement child = list.get(i);
      String childPath = path + ".requires_any.requirements[" + i + "]";
      switch (child.getRequiresTypeCase()) {
        case ALLOW_MISSING, ALLOW_MISSING_OR_FAILED -> {
          // One bypass child, run last; allow_missing_or_failed wins over allow_missing.
          if (bypass == null
              || bypass.getRequiresTypeCase() == JwtRequirement.RequiresTypeCase.ALLOW_MISSING) {
            bypass = child;
            bypassIndex = i;
          }
          continue;
        }
        case PROVIDER_NAME -> used.add(provider(providers, child.getProviderName(), childPath));
        case PROVIDER_AND_AUDIENCES ->
            used.add(
                provider(providers, child.getProviderAndAudiences().getProviderName(), childPath));
        default -> {}
      }
      children.add(compile(child, providers, List.of(), childPath));
    }
    if (bypass != null) {
      children.add(
          compile(
              bypass,
              providers,
              List.copyOf(new LinkedHashSet<>(used)),
              path + ".requires_any.requirements[" + bypassIndex + "]"));
    }
    return new Any(children);
  }

  private static JwtProviderConfig provider(
      Map<String, JwtProviderConfig> providers, String name, String path) throws ConfigException {
    JwtProviderConfig p = providers.get(name);
    if (p == null) {
      throw new ConfigException(path, "Required provider ['" + name + "'] is not configured.");
    }
    return p;
  }

  /** A leaf: one authenticator over its providers' tokens. */
  static final class Tokens extends JwtRequirementVerifier {
    private final JwtAuthenticator authenticator;

    Tokens(JwtAuthenticator authenticator) {
      this.authenticator = authenticator;
    }

    @Override
    Outcome verify(JwtVerification v) {
      return authenticator.verify(v);
    }

    @Override
    Set<JwtProviderConfig> providers() {
      return Set.copyOf(authenticator.locationsOf());
    }
  }

  static final class Any extends JwtRequirementVerifier {
    private final List<JwtRequirementVerifier> children;

    Any(List<JwtRequirementVerifier> children) {
      this.children = List.copyOf(children);
    }

    @Override
    Outcome verify(JwtVerification v) {
      Outcome last = null;
      for (JwtRequirementVerifier child : children) {
        last = child.verify(v);
        if (last.needsFetch() || last.status() == JwtStatus.OK) {
          return last;
        }
      }
      return last;
    }

    @Override
    Set<JwtProviderConfig> providers() {
      return children.stream()
          .flatMap(c -> c.providers().stream())
          .collect(Collectors.toUnmodifiableSet());
    }
  }

  static final class All extends JwtRequirementVerifier {
    private final List<JwtRequirementVerifier> children;

    All(List<JwtRequirementVerifier> children) {
      this.children = List.copyOf(children);
    }

    @Override
    Outcome verify(JwtVerification v) {
      Outcome last = null;
      for (JwtRequirementVerifier child : children) {
        last = child.verify(v);
        if (last.needsFetch() || last.status() != JwtStatus.OK) {
          return last;
        }
      }
      return last;
    }

    @Override
    Set<JwtProviderConfig> providers() {
      return children.stream()
          .flatMap(c -> c.providers().stream())
          .collect(Collectors.toUnmodifiableSet());
    }
  }

  static final class AllowAll extends JwtRequirementVerifier {
    @Override
    Outcome verify(JwtVerification v) {
      return Outcome.of(JwtStatus.OK);
    }

    @Override
    Set<JwtProviderConfig> providers() {
      return Set.of();
    }
  }
}
