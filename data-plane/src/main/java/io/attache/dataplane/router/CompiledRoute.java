package io.attache.dataplane.router;

import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.runtime.Runtime;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.Optional;

/**
 * One compiled {@code config.route.v3.Route}: its match criteria and its action. Immutable and
 * shared by every request; matching does no regex compilation and no allocation beyond the
 * request's lazily split path and query.
 */
final class CompiledRoute {
  /** What a matched route does with the request. */
  interface Action {
    RouteDecision decide(RequestView request, PathMatch pathMatch);
  }

  /**
   * {@code runtime_fraction}: the runtime key's value read per request, else {@code default_value};
   * a match only when {@code random % denominator < numerator}.
   */
  record RuntimeFraction(String runtimeKey, FractionalPercent defaultValue, Runtime runtime) {
    boolean admits(long randomValue) {
      FractionalPercent percent =
          runtimeKey.isEmpty()
              ? defaultValue
              : runtime.snapshot().fractionalPercent(runtimeKey, defaultValue);
      long denominator =
          switch (percent.getDenominator()) {
            case TEN_THOUSAND -> 10_000;
            case MILLION -> 1_000_000;
            default -> 100;
          };
      return Long.remainderUnsigned(randomValue, denominator)
          < (percent.getNumerator() & 0xFFFFFFFFL);
    }
  }

  private final PathMatch pathMatch;
  private final List<HeaderMatch> headerMatches;
  private final List<QueryParameterMatch> queryMatches;
  private final boolean grpcOnly;
  private final RuntimeFraction runtimeFraction;
  private final TlsContextMatch tlsContext;
  private final Action action;

  /**
   * {@code RouteMatch.tls_context}: each set field must equal the connection's state (a plaintext
   * connection presented nothing and validated nothing).
   */
  record TlsContextMatch(Optional<Boolean> presented, Optional<Boolean> validated) {
    boolean matches(RequestContext context) {
      boolean state = context.clientCertificateValidated();
      return presented.map(p -> p == state).orElse(true)
          && validated.map(v -> v == state).orElse(true);
    }
  }

  CompiledRoute(
      PathMatch pathMatch,
      List<HeaderMatch> headerMatches,
      List<QueryParameterMatch> queryMatches,
      boolean grpcOnly,
      RuntimeFraction runtimeFraction,
      TlsContextMatch tlsContext,
      Action action) {
    this.pathMatch = pathMatch;
    this.headerMatches = headerMatches;
    this.queryMatches = queryMatches;
    this.grpcOnly = grpcOnly;
    this.runtimeFraction = runtimeFraction;
    this.tlsContext = tlsContext;
    this.action = action;
  }

  boolean matches(RequestView request) {
    return pathMatch.matches(request)
        && (!grpcOnly || isGrpc(request))
        && HeaderMatch.allMatch(headerMatches, request)
        && (queryMatches.isEmpty() || QueryParameterMatch.allMatch(queryMatches, request))
        && (runtimeFraction == null || runtimeFraction.admits(request.randomValue()))
        && (tlsContext == null || tlsContext.matches(request.context));
  }

  RouteDecision decide(RequestView request) {
    return action.decide(request, pathMatch);
  }

  /**
   * Envoy's gRPC test: content-type {@code application/grpc}, {@code application/grpc+...} or
   * {@code ;...}.
   */
  static boolean isGrpc(RequestView request) {
    String contentType = request.headers.get("content-type");
    if (contentType == null || !contentType.startsWith("application/grpc")) {
      return false;
    }
    int end = "application/grpc".length();
    return contentType.length() == end
        || contentType.charAt(end) == '+'
        || contentType.charAt(end) == ';';
  }
}
