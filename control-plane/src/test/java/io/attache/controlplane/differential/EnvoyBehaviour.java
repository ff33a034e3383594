package io.attache.controlplane.differential;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Envoy's documented behaviour under the control plane's generated config, as building blocks for
 * the scenarios' expectations. The HCM has {@code use_remote_address} false and the mesh default
 * request-id policy (generate, do not trust external ids on edge requests — these are not edge
 * requests — and always return the id); the router runs with its defaults. Sources: Envoy's
 * connection manager ({@code mutateRequestHeaders}: {@code x-forwarded-proto} set when absent, an
 * existing {@code x-request-id} kept on non-edge requests), router ({@code
 * x-envoy-expected-rq-timeout-ms} from the route timeout unless {@code suppress_envoy_headers}; no
 * {@code x-envoy-attempt-count} without {@code include_request_attempt_count}) and local replies
 * ({@code text/plain} body, no {@code x-envoy-upstream-service-time}). Constants only.
 */
final class EnvoyBehaviour {

  /** Stands for "an id the data plane generated": the differ compares where it reappears. */
  static final String GENERATED_ID = "00000000-0000-4000-8000-000000000001";

  /**
   * The mesh default {@code route_timeout} (15 s) as the router announces it upstream on the first
   * attempt; a retry announces what is left of it (the {@link Differ} accepts any lower value).
   */
  static final String ROUTE_TIMEOUT_MS = "15000";

  private EnvoyBehaviour() {}

  /**
   * What an upstream sees of a forwarded request: the headers every attempt carries, plus extra.
   */
  static UpstreamAttempt forwarded(
      String upstream, String method, String path, String host, String... extra) {
    return forwardedWithId(upstream, method, path, host, GENERATED_ID, extra);
  }

  static UpstreamAttempt forwardedWithId(
      String upstream, String method, String path, String host, String requestId, String... extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("host", host);
    headers.put("x-forwarded-proto", "http");
    headers.put("x-request-id", requestId);
    headers.put("x-envoy-expected-rq-timeout-ms", ROUTE_TIMEOUT_MS);
    for (int i = 0; i < extra.length; i += 2) {
      headers.put(extra[i], extra[i + 1]);
    }
    return UpstreamAttempt.of(upstream, method, path, headers);
  }

  /** A response that came from an upstream (a {@link RecordingUpstream}: text/plain, its role). */
  static Observation.Builder proxied(Observation.Builder b, int status, String upstreamRole) {
    return b.status(status)
        .body(upstreamRole)
        .header("content-type", "text/plain")
        .header("x-request-id", GENERATED_ID)
        .header("x-envoy-upstream-service-time", "0");
  }

  /** A reply the data plane generated itself (no route, fault abort, no healthy upstream). */
  static Observation.Builder localReply(Observation.Builder b, int status, String body) {
    b.status(status).body(body).header("x-request-id", GENERATED_ID);
    if (!body.isEmpty()) {
      b.header("content-type", "text/plain");
    }
    return b;
  }
}
