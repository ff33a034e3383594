package io.attache.dataplane.router;

import com.google.protobuf.ByteString;
import io.attache.dataplane.ratelimit.RouteRateLimits;
import io.attache.dataplane.retry.RetryPolicyConfig;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What the router decided for one request. The integrator switches over the five cases; each
 * carries everything needed to act without looking at the config again.
 */
public sealed interface RouteDecision {

  /**
   * The {@code typed_per_filter_config} entries that apply, most specific first; only a forwarded
   * request carries them today (other decisions answer {@link PerFilterConfigs#NONE}).
   */
  default PerFilterConfigs perFilterConfigs() {
    return PerFilterConfigs.NONE;
  }

  /**
   * The matched route's {@code decorator}; only a forwarded request carries it today (a {@code
   * direct_response} or redirect route's decorator is not applied).
   */
  default Optional<Decorator> decorator() {
    return Optional.empty();
  }

  /** No virtual host or no route matched: Envoy answers 404 with response flag {@code NR}. */
  record NoRoute() implements RouteDecision {
    public static final NoRoute INSTANCE = new NoRoute();

    /** The status Envoy sends. */
    public int status() {
      return 404;
    }
  }

  /**
   * The route has a {@code direct_response}: answer locally with this status and body, after
   * applying {@code responseHeaderMutations} to the response headers.
   */
  record DirectResponse(
      int status,
      Optional<ByteString> body,
      HeaderMutations responseHeaderMutations,
      String routeName)
      implements RouteDecision {
    public DirectResponse {
      Objects.requireNonNull(body);
      Objects.requireNonNull(responseHeaderMutations);
      Objects.requireNonNull(routeName);
    }
  }

  /**
   * Answer with a redirect: {@code status} and a {@code location} header; {@code
   * responseHeaderMutations} apply to the redirect response (empty for the {@code require_tls}
   * redirect, as in Envoy).
   */
  record Redirect(
      int status, String location, HeaderMutations responseHeaderMutations, String routeName)
      implements RouteDecision {
    public Redirect {
      Objects.requireNonNull(location);
      Objects.requireNonNull(responseHeaderMutations);
      Objects.requireNonNull(routeName);
    }
  }

  /**
   * A route matched but names no cluster: {@code cluster_header} (or a weighted cluster's {@code
   * cluster_header}) is absent or empty. Envoy answers {@code status} (from {@code
   * cluster_not_found_response_code}, default 503) with response flag {@code NC}. The integrator
   * answers the same way when a {@link Forward}'s cluster does not exist.
   */
  record ClusterNotFound(int status, HeaderMutations responseHeaderMutations, String routeName)
      implements RouteDecision {
    public ClusterNotFound {
      Objects.requireNonNull(responseHeaderMutations);
      Objects.requireNonNull(routeName);
    }
  }

  /**
   * Forward upstream to {@code cluster}.
   *
   * @param cluster the target cluster's name (existence is the integrator's to check; answer {@code
   *     policy().clusterNotFoundStatus()} when it does not exist)
   * @param rewrittenPath the new {@code :path} (with query) when {@code prefix_rewrite} or {@code
   *     regex_rewrite} applies
   * @param hostRewrite the new {@code host} from {@code host_rewrite_literal} (route's, else the
   *     selected weighted cluster's), {@code host_rewrite_header} or {@code
   *     host_rewrite_path_regex}; see also {@link RoutePolicy#autoHostRewrite()}
   * @param hash the ring-hash key from {@code hash_policy}, empty when no policy yielded one
   * @param requestHeaderMutations apply to the upstream request (see {@link #finalizeRequest})
   * @param responseHeaderMutations apply to the downstream response (and to local replies the
   *     router sends for this route)
   * @param policy the route's static settings (timeouts, retry policy, ...)
   * @param perFilterConfigs the {@code typed_per_filter_config} entries for the chosen target, most
   *     specific first (weighted cluster, route, virtual host, route configuration)
   */
  record Forward(
      String cluster,
      Optional<String> rewrittenPath,
      Optional<String> hostRewrite,
      OptionalLong hash,
      HeaderMutations requestHeaderMutations,
      HeaderMutations responseHeaderMutations,
      RoutePolicy policy,
      PerFilterConfigs perFilterConfigs)
      implements RouteDecision {
    public Forward {
      Objects.requireNonNull(perFilterConfigs);
      Objects.requireNonNull(cluster);
      Objects.requireNonNull(rewrittenPath);
      Objects.requireNonNull(hostRewrite);
      Objects.requireNonNull(hash);
      Objects.requireNonNull(requestHeaderMutations);
      Objects.requireNonNull(responseHeaderMutations);
      Objects.requireNonNull(policy);
    }

    @Override
    public Optional<Decorator> decorator() {
      return policy.decorator();
    }

    /**
     * Rewrites the request for the upstream in Envoy's order: header mutations first (so {@code
     * %REQ(...)%} sees the original path and host), then the host rewrite (appending the old host
     * to {@code x-forwarded-host} if {@code append_x_forwarded_host}, and keeping it in {@code
     * x-envoy-original-host} when {@code insertEnvoyOriginalPath}), then the path rewrite (keeping
     * the old path in {@code x-envoy-original-path} when {@code insertEnvoyOriginalPath}, which
     * Envoy does unless the router's {@code suppress_envoy_headers} is set). {@code
     * auto_host_rewrite} is left to the integrator, who knows the chosen upstream host.
     */
    public void finalizeRequest(
        HttpRequest request, FormatterContext context, boolean insertEnvoyOriginalPath) {
      requestHeaderMutations.apply(request.headers(), context);
      if (hostRewrite.isPresent()) {
        String original = request.headers().get("host");
        if (policy.appendXForwardedHost()
            && original != null
            && !original.equals(hostRewrite.get())) {
          String forwarded = request.headers().get("x-forwarded-host");
          if (forwarded == null || forwarded.isEmpty()) {
            request.headers().set("x-forwarded-host", original);
          } else if (!lastListValue(forwarded).equals(original)) {
            request.headers().set("x-forwarded-host", forwarded + "," + original);
          }
        }
        if (insertEnvoyOriginalPath && original != null) {
          // Envoy 1.40 keeps the host it replaced, as it keeps a rewritten path.
          request.headers().set("x-envoy-original-host", original);
        }
        request.headers().set("host", hostRewrite.get());
      }
      if (rewrittenPath.isPresent()) {
        if (insertEnvoyOriginalPath) {
          request.headers().set("x-envoy-original-path", request.uri());
        }
        request.setUri(rewrittenPath.get());
      }
    }

    /**
     * The route Envoy's asynchronous HTTP client gives a request it starts on this route's cluster
     * (its {@code NullRouteImpl}, as the cache filter starts one): the same cluster, and none of
     * the route's path or host rewrites, header mutations, hash policy, timeout, retry policy,
     * mirrors or rate limits. Name, decorator, upgrade settings and per-filter configs stay those
     * of the stream's route.
     */
    public Forward forAsyncClient() {
      RoutePolicy p = policy;
      return new Forward(
          cluster,
          Optional.empty(),
          Optional.empty(),
          OptionalLong.empty(),
          HeaderMutations.NONE,
          HeaderMutations.NONE,
          new RoutePolicy(
              p.routeName(),
              p.virtualHostName(),
              Duration.ZERO,
              Optional.empty(),
              RetryPolicyConfig.NONE,
              p.priority(),
              OptionalInt.empty(),
              p.clusterNotFoundStatus(),
              false,
              false,
              List.of(),
              p.upgradeEnabledByType(),
              p.connectConfig(),
              p.decorator(),
              RouteRateLimits.NONE),
          perFilterConfigs);
    }

    private static String lastListValue(String list) {
      int comma = list.lastIndexOf(',');
      return (comma < 0 ? list : list.substring(comma + 1)).trim();
    }
  }
}
