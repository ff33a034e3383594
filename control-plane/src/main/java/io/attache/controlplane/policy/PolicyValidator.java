package io.attache.controlplane.policy;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Duration;
import io.attache.api.policy.v1.ActiveHealthCheck;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.AuthorizationOperation;
import io.attache.api.policy.v1.AuthorizationRule;
import io.attache.api.policy.v1.AuthorizationSource;
import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.ClaimMatch;
import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.FaultInjection;
import io.attache.api.policy.v1.HeaderMatch;
import io.attache.api.policy.v1.HeaderValue;
import io.attache.api.policy.v1.IdentityTokenPolicy;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Protocol;
import io.attache.api.policy.v1.RateLimit;
import io.attache.api.policy.v1.RetryPolicy;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.attache.api.policy.v1.TracingPolicy;
import io.attache.api.policy.v1.WeightedDestination;
import io.attache.controlplane.validate.Violation;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Attaché's own policy rules over a whole candidate policy: names valid, durations positive,
 * percentages in range, weights summing to 100, and every reference (route hosts and destinations,
 * the tracing collector) naming an existing service. Paths are absolute, e.g. {@code
 * services["orders"].endpoints[0].port}, so the caller can tell a fault in the resource being
 * written from a conflict with the rest of the state. Pure.
 */
public final class PolicyValidator {

  /** DNS-1123 label style: what a cluster, virtual host and xds:/// target can all carry. */
  public static final Pattern NAME = Pattern.compile("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$");

  private static final Pattern HEADER_NAME = Pattern.compile("^[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
  private static final Pattern METHOD = Pattern.compile("^[A-Z]+$");
  private static final Pattern NAMESPACE = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  static final Pattern PRINTABLE = Pattern.compile("^[\\x21-\\x7e]+$");
  private static final Pattern PRINTABLE_OR_SPACE = Pattern.compile("^[\\x20-\\x7e]+$");
  private static final Set<String> RETRY_ON =
      Set.of(
          "5xx",
          "gateway-error",
          "reset",
          "reset-before-request",
          "connect-failure",
          "envoy-ratelimited",
          "retriable-4xx",
          "refused-stream",
          "retriable-status-codes",
          "retriable-headers",
          "http3-post-connect-failure",
          "cancelled",
          "deadline-exceeded",
          "internal",
          "resource-exhausted",
          "unavailable");

  /** Envoy refuses token buckets refilled more often than this. */
  private static final double MIN_FILL_INTERVAL_SECONDS = 0.05;

  public List<Violation> validate(PolicySnapshot policy) {
    List<Violation> out = new ArrayList<>();
    policy
        .services()
        .forEach((name, service) -> checkService(service, path("services", name), out));
    policy.routes().forEach((name, route) -> checkRoute(route, policy, path("routes", name), out));
    checkDefaults(policy.defaults(), policy, "defaults", out);
    policy
        .authorizations()
        .forEach(
            (name, authorization) ->
                checkAuthorization(authorization, path("authorizations", name), out));
    return out;
  }

  public static String path(String collection, String name) {
    return collection + "[\"" + name + "\"]";
  }

  private static void checkService(Service service, String at, List<Violation> out) {
    checkName(service.getName(), at + ".name", out);
    if (service.getPort() > 65535) {
      out.add(new Violation(at + ".port", "must be at most 65535"));
    }
    for (int i = 0; i < service.getEndpointsCount(); i++) {
      Endpoint endpoint = service.getEndpoints(i);
      String endpointAt = at + ".endpoints[" + i + "]";
      switch (EndpointAddress.of(endpoint.getAddress())) {
        case IP -> {}
        case HOST_NAME -> {
          if (service.getEndpointsCount() > 1) {
            out.add(
                new Violation(
                    endpointAt + ".address",
                    "'"
                        + endpoint.getAddress()
                        + "' is a DNS name: a service reached by a DNS name has that one endpoint"
                        + " (proxyless gRPC clients resolve one name per cluster); list IP"
                        + " addresses, or one name that resolves to all of them"));
          }
        }
        case INVALID ->
            out.add(
                new Violation(
                    endpointAt + ".address",
                    endpoint.getAddress().isEmpty()
                        ? "must not be empty"
                        : "'"
                            + endpoint.getAddress()
                            + "' is neither an IP address nor a DNS host name"));
      }
      if (endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
        out.add(new Violation(endpointAt + ".port", "must be between 1 and 65535"));
      }
    }
    for (int i = 0; i < service.getAddressesCount(); i++) {
      String address = service.getAddresses(i);
      if (!InetAddresses.isInetAddress(address)) {
        out.add(new Violation(at + ".addresses[" + i + "]", "must be an IPv4 or IPv6 address"));
      } else if (service.getAddressesList().subList(0, i).contains(address)) {
        out.add(new Violation(at + ".addresses[" + i + "]", "is listed twice"));
      }
    }
    checkPositive(
        service.hasConnectTimeout(), service.getConnectTimeout(), at + ".connect_timeout", out);
    checkPositive(service.hasTimeout(), service.getTimeout(), at + ".timeout", out);
    checkBreaker(service.getBreaker(), at + ".breaker", out);
    if (service.hasHealthCheck()) {
      ActiveHealthCheck check = service.getHealthCheck();
      checkPositive(check.hasInterval(), check.getInterval(), at + ".health_check.interval", out);
      checkPositive(check.hasTimeout(), check.getTimeout(), at + ".health_check.timeout", out);
      if (!check.getHttpPath().isEmpty() && !check.getHttpPath().startsWith("/")) {
        out.add(new Violation(at + ".health_check.http_path", "must start with /"));
      }
    }
    checkRetry(service.getRetry(), at + ".retry", out);
    if (service.hasRateLimit()) {
      checkRateLimit(service.getRateLimit(), at + ".rate_limit", out);
    }
    if (service.hasRequestAuthentication()) {
      RequestAuthenticationRules.check(
          service.getRequestAuthentication(), at + ".request_authentication", out);
    }
  }

  private static void checkRoute(
      Route route, PolicySnapshot policy, String at, List<Violation> out) {
    checkName(route.getName(), at + ".name", out);
    if (route.getHostsCount() == 0) {
      out.add(new Violation(at + ".hosts", "must name at least one service"));
    }
    for (int i = 0; i < route.getHostsCount(); i++) {
      checkReference(route.getHosts(i), policy, at + ".hosts[" + i + "]", out);
    }
    switch (route.getPathCase()) {
      case PATH_PREFIX:
        checkPath(route.getPathPrefix(), at + ".path_prefix", out);
        break;
      case PATH_EXACT:
        checkPath(route.getPathExact(), at + ".path_exact", out);
        break;
      case PATH_REGEX:
        checkRegex(route.getPathRegex(), at + ".path_regex", out);
        break;
      default:
        break;
    }
    for (int i = 0; i < route.getHeadersCount(); i++) {
      HeaderMatch header = route.getHeaders(i);
      checkHeaderName(header.getName(), at + ".headers[" + i + "].name", out);
      if (header.getMatchCase() == HeaderMatch.MatchCase.REGEX) {
        checkRegex(header.getRegex(), at + ".headers[" + i + "].regex", out);
      }
    }
    for (int i = 0; i < route.getMethodsCount(); i++) {
      if (!METHOD.matcher(route.getMethods(i)).matches()) {
        out.add(new Violation(at + ".methods[" + i + "]", "must be an upper-case HTTP method"));
      }
    }
    checkDestinations(route, policy, at, out);
    checkPositive(route.hasTimeout(), route.getTimeout(), at + ".timeout", out);
    checkRetry(route.getRetry(), at + ".retry", out);
    checkHeaders(route.getRequestHeadersToAddList(), at + ".request_headers_to_add", out);
    checkHeaders(route.getResponseHeadersToAddList(), at + ".response_headers_to_add", out);
    for (int i = 0; i < route.getRequestHeadersToRemoveCount(); i++) {
      checkHeaderName(
          route.getRequestHeadersToRemove(i), at + ".request_headers_to_remove[" + i + "]", out);
    }
    for (int i = 0; i < route.getResponseHeadersToRemoveCount(); i++) {
      checkHeaderName(
          route.getResponseHeadersToRemove(i), at + ".response_headers_to_remove[" + i + "]", out);
    }
    if (route.hasFault()) {
      checkFault(route.getFault(), at + ".fault", out);
    }
    if (route.hasRateLimit()) {
      checkRateLimit(route.getRateLimit(), at + ".rate_limit", out);
    }
    for (int i = 0; i < route.getHashPolicyCount(); i++) {
      String header = route.getHashPolicy(i).getHeader();
      String headerAt = at + ".hash_policy[" + i + "].header";
      checkHeaderName(header, headerAt, out);
      if (!header.equals(header.toLowerCase(Locale.ROOT))) {
        // gRPC clients look metadata up by its lower-case key; Envoy ignores the case.
        out.add(new Violation(headerAt, "must be lower case"));
      }
    }
  }

  /**
   * The target is a name, not a reference: a policy may exist before the service it protects, so
   * that a workload is never reachable without it.
   */
  private static void checkAuthorization(
      Authorization authorization, String at, List<Violation> out) {
    checkName(authorization.getName(), at + ".name", out);
    if (authorization.getTarget().isEmpty()) {
      out.add(new Violation(at + ".target", "must name the service whose sidecars enforce it"));
    } else {
      checkName(authorization.getTarget(), at + ".target", out);
    }
    for (int i = 0; i < authorization.getRulesCount(); i++) {
      AuthorizationRule rule = authorization.getRules(i);
      String ruleAt = at + ".rules[" + i + "]";
      AuthorizationSource from = rule.getFrom();
      for (int j = 0; j < from.getPrincipalsCount(); j++) {
        checkWildcard(
            from.getPrincipals(j),
            PRINTABLE,
            "printable ASCII without spaces",
            ruleAt + ".from.principals[" + j + "]",
            out);
      }
      for (int j = 0; j < from.getRequestPrincipalsCount(); j++) {
        String principal = from.getRequestPrincipals(j);
        String principalAt = ruleAt + ".from.request_principals[" + j + "]";
        checkWildcard(principal, PRINTABLE, "printable ASCII without spaces", principalAt, out);
        if (!principal.contains("*") && principal.lastIndexOf('/') <= 0) {
          out.add(
              new Violation(principalAt, "must be \"iss/sub\": the token's issuer and subject"));
        }
      }
      for (int j = 0; j < from.getRequestClaimsCount(); j++) {
        ClaimMatch claim = from.getRequestClaims(j);
        String claimAt = ruleAt + ".from.request_claims[" + j + "]";
        if (claim.getClaimCount() == 0) {
          out.add(new Violation(claimAt + ".claim", "must name the claim, e.g. [\"groups\"]"));
        }
        for (int k = 0; k < claim.getClaimCount(); k++) {
          if (claim.getClaim(k).isEmpty()) {
            out.add(new Violation(claimAt + ".claim[" + k + "]", "must not be empty"));
          }
        }
        if (claim.getValuesCount() == 0) {
          out.add(new Violation(claimAt + ".values", "must hold at least one value"));
        }
        for (int k = 0; k < claim.getValuesCount(); k++) {
          checkWildcard(
              claim.getValues(k),
              PRINTABLE_OR_SPACE,
              "printable ASCII",
              claimAt + ".values[" + k + "]",
              out);
        }
      }
      for (int j = 0; j < from.getTokenPrincipalsCount(); j++) {
        checkWildcard(
            from.getTokenPrincipals(j),
            PRINTABLE,
            "printable ASCII without spaces",
            ruleAt + ".from.token_principals[" + j + "]",
            out);
      }
      for (int j = 0; j < from.getNamespacesCount(); j++) {
        if (!NAMESPACE.matcher(from.getNamespaces(j)).matches()) {
          out.add(
              new Violation(
                  ruleAt + ".from.namespaces[" + j + "]",
                  "must be a DNS label: lower-case letters, digits and '-'"));
        }
      }
      AuthorizationOperation to = rule.getTo();
      for (int j = 0; j < to.getMethodsCount(); j++) {
        if (!METHOD.matcher(to.getMethods(j)).matches()) {
          out.add(
              new Violation(
                  ruleAt + ".to.methods[" + j + "]", "must be an upper-case HTTP method"));
        }
      }
      for (int j = 0; j < to.getPathsCount(); j++) {
        String path = to.getPaths(j);
        String pathAt = ruleAt + ".to.paths[" + j + "]";
        checkWildcard(path, PRINTABLE, "printable ASCII without spaces", pathAt, out);
        if (!path.startsWith("/") && !path.startsWith("*")) {
          out.add(new Violation(pathAt, "must start with / (or * for a suffix match)"));
        }
      }
      for (int j = 0; j < to.getHeadersCount(); j++) {
        HeaderMatch header = to.getHeaders(j);
        String headerAt = ruleAt + ".to.headers[" + j + "]";
        checkHeaderName(header.getName(), headerAt + ".name", out);
        if (header.getMatchCase() == HeaderMatch.MatchCase.REGEX) {
          checkRegex(header.getRegex(), headerAt + ".regex", out);
        }
      }
    }
  }

  /** Istio's match syntax: exact, "prefix*", "*suffix" or "*" alone. */
  private static void checkWildcard(
      String value, Pattern allowed, String allowedText, String at, List<Violation> out) {
    if (value.isEmpty()) {
      out.add(new Violation(at, "must not be empty"));
      return;
    }
    if (!allowed.matcher(value).matches()) {
      out.add(new Violation(at, "must be " + allowedText));
      return;
    }
    int stars = (int) value.chars().filter(c -> c == '*').count();
    boolean atAnEnd = value.startsWith("*") || value.endsWith("*");
    if (stars > 1 || (stars == 1 && !atAnEnd)) {
      out.add(
          new Violation(
              at, "'*' may appear once, at the start (suffix match) or the end (prefix match)"));
    }
  }

  private static void checkDestinations(
      Route route, PolicySnapshot policy, String at, List<Violation> out) {
    if (route.getDestinationsCount() == 0) {
      out.add(new Violation(at + ".destinations", "must name at least one service"));
      return;
    }
    int sum = 0;
    for (int i = 0; i < route.getDestinationsCount(); i++) {
      WeightedDestination destination = route.getDestinations(i);
      checkReference(
          destination.getService(), policy, at + ".destinations[" + i + "].service", out);
      if (route.getDestinationsCount() > 1 && destination.getWeight() == 0) {
        out.add(
            new Violation(
                at + ".destinations[" + i + "].weight", "must be positive when splitting traffic"));
      }
      sum += destination.getWeight();
    }
    if (route.getDestinationsCount() > 1 && sum != 100) {
      out.add(new Violation(at + ".destinations", "weights must sum to 100, not " + sum));
    }
  }

  private static void checkDefaults(
      MeshDefaults defaults, PolicySnapshot policy, String at, List<Violation> out) {
    checkRetry(defaults.getRetry(), at + ".retry", out);
    checkBreaker(defaults.getBreaker(), at + ".breaker", out);
    checkPositive(
        defaults.hasConnectTimeout(), defaults.getConnectTimeout(), at + ".connect_timeout", out);
    checkPositive(
        defaults.hasRouteTimeout(), defaults.getRouteTimeout(), at + ".route_timeout", out);
    TracingPolicy tracing = defaults.getTracing();
    if (!tracing.getCollectorService().isEmpty()) {
      String collectorAt = at + ".tracing.collector_service";
      checkReference(tracing.getCollectorService(), policy, collectorAt, out);
      Service collector = policy.services().get(tracing.getCollectorService());
      if (collector != null
          && collector.getProtocol() != Protocol.GRPC
          && collector.getProtocol() != Protocol.HTTP2) {
        out.add(new Violation(collectorAt, "the OTLP collector service must speak GRPC or HTTP2"));
      }
    }
    if (tracing.hasSamplingPercent()) {
      checkPercent(tracing.getSamplingPercent().getValue(), at + ".tracing.sampling_percent", out);
    }
    checkIdentityToken(defaults.getIdentityToken(), at + ".identity_token", out);
  }

  /**
   * The token must outlive no signing key: a key stays published one rotation period (6 h) after it
   * stopped signing, so a lifetime is capped well below that; and the header must be one the
   * sidecars may own (never the verified-caller header they set themselves).
   */
  private static void checkIdentityToken(
      IdentityTokenPolicy token, String at, List<Violation> out) {
    if (!token.getHeader().isEmpty()) {
      String header = token.getHeader();
      checkHeaderName(header, at + ".header", out);
      if (!header.equals(header.toLowerCase(Locale.ROOT))) {
        out.add(new Violation(at + ".header", "must be lower case"));
      } else if (IdentityTokens.FORBIDDEN_HEADERS.contains(header)) {
        out.add(
            new Violation(
                at + ".header",
                "must not be " + header + ": the sidecars set or rely on it themselves"));
      }
    }
    if (token.hasLifetime()) {
      Duration lifetime = token.getLifetime();
      if (lifetime.getNanos() != 0
          || lifetime.getSeconds() < IdentityTokens.MIN_LIFETIME.getSeconds()
          || lifetime.getSeconds() > IdentityTokens.MAX_LIFETIME.getSeconds()) {
        out.add(
            new Violation(
                at + ".lifetime", "must be whole seconds between 1s and 3600s (one hour)"));
      }
    }
  }

  private static void checkBreaker(BreakerPolicy breaker, String at, List<Violation> out) {
    if (breaker.hasConsecutiveFailures() && breaker.getConsecutiveFailures().getValue() == 0) {
      out.add(new Violation(at + ".consecutive_failures", "must be positive"));
    }
    checkPositive(breaker.hasWindow(), breaker.getWindow(), at + ".window", out);
    checkPositive(breaker.hasSleepWindow(), breaker.getSleepWindow(), at + ".sleep_window", out);
    if (breaker.hasMaxEjectionPercent() && breaker.getMaxEjectionPercent().getValue() > 100) {
      out.add(new Violation(at + ".max_ejection_percent", "must be between 0 and 100"));
    }
    if (breaker.hasHealthyPanicThresholdPercent()) {
      checkPercent(
          breaker.getHealthyPanicThresholdPercent().getValue(),
          at + ".healthy_panic_threshold_percent",
          out);
    }
  }

  private static void checkRetry(RetryPolicy retry, String at, List<Violation> out) {
    for (int i = 0; i < retry.getRetryOnCount(); i++) {
      if (!RETRY_ON.contains(retry.getRetryOn(i))) {
        out.add(
            new Violation(
                at + ".retry_on[" + i + "]",
                "unknown retry condition '" + retry.getRetryOn(i) + "'"));
      }
    }
    for (int i = 0; i < retry.getRetriableStatusCodesCount(); i++) {
      int code = retry.getRetriableStatusCodes(i);
      if (code < 100 || code > 599) {
        out.add(
            new Violation(
                at + ".retriable_status_codes[" + i + "]", "must be an HTTP status 100-599"));
      }
    }
    checkPositive(retry.hasPerTryTimeout(), retry.getPerTryTimeout(), at + ".per_try_timeout", out);
    checkPositive(
        retry.hasBackoffBaseInterval(),
        retry.getBackoffBaseInterval(),
        at + ".backoff_base_interval",
        out);
    checkPositive(
        retry.hasBackoffMaxInterval(),
        retry.getBackoffMaxInterval(),
        at + ".backoff_max_interval",
        out);
    if (retry.hasBackoffBaseInterval()
        && retry.hasBackoffMaxInterval()
        && seconds(retry.getBackoffMaxInterval()) < seconds(retry.getBackoffBaseInterval())) {
      out.add(
          new Violation(
              at + ".backoff_max_interval", "must not be less than backoff_base_interval"));
    }
    if (retry.hasBackoffMaxInterval() && !retry.hasBackoffBaseInterval()) {
      out.add(
          new Violation(
              at + ".backoff_base_interval", "is required when backoff_max_interval is set"));
    }
    for (int i = 0; i < retry.getIdempotentMethodsCount(); i++) {
      if (!METHOD.matcher(retry.getIdempotentMethods(i)).matches()) {
        out.add(
            new Violation(
                at + ".idempotent_methods[" + i + "]", "must be an upper-case HTTP method"));
      }
    }
    if (!retry.getIdempotencyKeyHeader().isEmpty()) {
      checkHeaderName(retry.getIdempotencyKeyHeader(), at + ".idempotency_key_header", out);
    }
  }

  /** Envoy's token_bucket rules, so a limit that validates here is never NACKed by a sidecar. */
  private static void checkRateLimit(RateLimit limit, String at, List<Violation> out) {
    if (limit.getTokensPerFill() == 0) {
      out.add(new Violation(at + ".tokens_per_fill", "must be at least 1"));
    }
    if (!limit.hasFillInterval()) {
      out.add(new Violation(at + ".fill_interval", "is required"));
    } else {
      Duration interval = limit.getFillInterval();
      if (interval.getSeconds() < 0
          || interval.getNanos() < 0
          || seconds(interval) < MIN_FILL_INTERVAL_SECONDS) {
        out.add(new Violation(at + ".fill_interval", "must be at least 50ms"));
      } else if (interval.getNanos() % 1_000_000 != 0) {
        out.add(new Violation(at + ".fill_interval", "must be whole milliseconds"));
      }
    }
    if (limit.getMaxTokens() != 0
        && Integer.toUnsignedLong(limit.getMaxTokens())
            < Integer.toUnsignedLong(limit.getTokensPerFill())) {
      out.add(
          new Violation(
              at + ".max_tokens",
              "must be at least tokens_per_fill ("
                  + Integer.toUnsignedString(limit.getTokensPerFill())
                  + "): a smaller bucket cannot hold one fill"));
    }
    int status = limit.getStatus();
    if (status != 0 && (status < 400 || StatusCode.forNumber(status) == null)) {
      // Envoy's HttpStatus.code is an enum of the registered codes (defined_only).
      out.add(
          new Violation(at + ".status", "must be a registered HTTP error status, or 0 for 429"));
    }
  }

  private static void checkFault(FaultInjection fault, String at, List<Violation> out) {
    checkPercent(fault.getDelayPercent(), at + ".delay_percent", out);
    checkPercent(fault.getAbortPercent(), at + ".abort_percent", out);
    if (fault.getDelayPercent() > 0) {
      checkPositive(true, fault.getDelay(), at + ".delay", out);
    }
    if (fault.getAbortPercent() > 0
        && (fault.getAbortHttpStatus() < 200 || fault.getAbortHttpStatus() > 599)) {
      out.add(new Violation(at + ".abort_http_status", "must be an HTTP status 200-599"));
    }
  }

  private static void checkHeaders(List<HeaderValue> headers, String at, List<Violation> out) {
    for (int i = 0; i < headers.size(); i++) {
      checkHeaderName(headers.get(i).getName(), at + "[" + i + "].name", out);
      if (headers.get(i).getValue().matches("(?s).*[\u0000\r\n].*")) {
        out.add(new Violation(at + "[" + i + "].value", "must not contain NUL, CR or LF"));
      }
    }
  }

  private static void checkReference(
      String service, PolicySnapshot policy, String at, List<Violation> out) {
    if (!policy.services().containsKey(service)) {
      out.add(new Violation(at, "no service named '" + service + "'"));
    }
  }

  private static void checkName(String name, String at, List<Violation> out) {
    if (!NAME.matcher(name).matches()) {
      out.add(
          new Violation(
              at,
              "must be lower-case letters, digits, '-' or '.', starting and ending alphanumeric"));
    }
  }

  static void checkHeaderName(String name, String at, List<Violation> out) {
    if (!HEADER_NAME.matcher(name).matches()) {
      out.add(new Violation(at, "must be a valid HTTP header name"));
    }
  }

  private static void checkPath(String path, String at, List<Violation> out) {
    if (!path.startsWith("/")) {
      out.add(new Violation(at, "must start with /"));
    }
  }

  private static void checkRegex(String regex, String at, List<Violation> out) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      out.add(new Violation(at, "invalid regular expression: " + e.getDescription()));
    }
  }

  private static void checkPercent(double percent, String at, List<Violation> out) {
    if (!(percent >= 0 && percent <= 100)) {
      out.add(new Violation(at, "must be between 0 and 100"));
    }
  }

  private static void checkPositive(
      boolean present, Duration duration, String at, List<Violation> out) {
    if (present && seconds(duration) <= 0) {
      out.add(new Violation(at, "must be a positive duration"));
    }
  }

  private static double seconds(Duration duration) {
    return duration.getSeconds() + duration.getNanos() / 1e9;
  }
}
