package io.attache.dataplane.filter.jwt;

import com.google.protobuf.Struct;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.jwt.JwtAuthnConfig.PerRoute;
import io.attache.dataplane.filter.jwt.JwtVerification.Outcome;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The jwt_authn filter on one stream: picks the requirement (per-route {@code requirement_name},
 * else the first matching rule), strips headers only a verified token may set, verifies, and either
 * continues with the verified tokens' headers added and their payloads/headers in the dynamic
 * metadata ({@code payload_in_metadata}, {@code header_in_metadata}) or answers 401 (403 for a
 * wrong audience) with Envoy's body and {@code www-authenticate}. A verification that needs a
 * provider's remote keys stops the stream until they are fetched, then runs again. On the stream's
 * event loop only.
 */
final class JwtAuthnHttpFilter implements StreamDecoderFilter {
  private enum State {
    INIT,
    CALLING,
    COMPLETE,
    RESPONDED
  }

  /** Where verified payloads and headers go in the stream's dynamic metadata, as in Envoy. */
  static final String METADATA_NAMESPACE = "envoy.filters.http.jwt_authn";

  private final JwtAuthnFilter filter;
  private StreamDecoderFilterCallbacks callbacks;
  private State state = State.INIT;
  private JwtRequirementVerifier verifier;
  private HttpRequest request;
  private final Set<String> failedFetches = new HashSet<>();
  private JwksFetcher fetcher;

  /** True once the stream was stopped for a fetch: the verdict must then resume it. */
  private boolean fetcherStarted;

  JwtAuthnHttpFilter(JwtAuthnFilter filter) {
    this.filter = filter;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    this.request = request;
    if (filter.config.bypassCorsPreflight() && corsPreflight(request.headers(), request)) {
      filter.corsPreflightBypassed.inc();
      filter.allowed.inc();
      state = State.COMPLETE;
      return FilterHeadersStatus.CONTINUE;
    }
    Optional<PerRoute> perRoute = callbacks.perRouteConfig(PerRoute.class);
    if (perRoute.isPresent()) {
      if (perRoute.get().disabled()) {
        filter.allowed.inc();
        state = State.COMPLETE;
        return FilterHeadersStatus.CONTINUE;
      }
      verifier = filter.config.requirementMap().get(perRoute.get().requirementName());
      if (verifier == null) {
        String error =
            "Wrong requirement_name: "
                + perRoute.get().requirementName()
                + ". It should be one of ["
                + String.join(",", new TreeSet<>(filter.config.requirementMap().keySet()))
                + "]";
        filter.denied.inc();
        state = State.RESPONDED;
        callbacks.sendLocalReply(
            403,
            filter.config.stripFailureResponse() ? "" : "Failed JWT authentication: " + error,
            "jwt_authn_access_denied{" + error.replaceAll("\\s", "_") + "}");
        return FilterHeadersStatus.STOP_ITERATION;
      }
    } else {
      verifier = filter.config.ruleFor(request, callbacks.connection().scheme()).orElse(null);
    }
    if (verifier == null) {
      filter.allowed.inc();
      state = State.COMPLETE;
      return FilterHeadersStatus.CONTINUE;
    }
    // Envoy's sanitizePayloadHeaders: only a verified token may set these.
    for (JwtProviderConfig p : verifier.providers()) {
      if (!p.forwardPayloadHeader().isEmpty()) {
        request.headers().remove(p.forwardPayloadHeader());
      }
      p.claimToHeaders().forEach(c -> request.headers().remove(c.headerName()));
    }
    state = State.CALLING;
    run();
    return state == State.COMPLETE
        ? FilterHeadersStatus.CONTINUE
        : FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    return state == State.CALLING
        ? FilterDataStatus.STOP_ITERATION_AND_WATERMARK
        : FilterDataStatus.CONTINUE;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return state == State.CALLING
        ? FilterTrailersStatus.STOP_ITERATION
        : FilterTrailersStatus.CONTINUE;
  }

  @Override
  public void onDestroy() {
    if (fetcher != null) {
      fetcher.cancel();
      fetcher = null;
    }
    state = State.RESPONDED;
  }

  /** Verifies from the start; pauses for a remote JWKS when one is needed and not cached. */
  private void run() {
    JwtVerification v =
        new JwtVerification(
            request.headers(),
            request.uri(),
            filter.clock.instant().getEpochSecond(),
            filter.caches,
            failedFetches);
    Outcome outcome = verifier.verify(v);
    if (outcome.needsFetch()) {
      fetch(outcome.fetchProvider());
      return;
    }
    if (outcome.status() == JwtStatus.OK) {
      v.applyChanges();
      Struct extracted = v.extractedData();
      if (extracted.getFieldsCount() > 0) {
        callbacks.streamInfo().setDynamicMetadata(METADATA_NAMESPACE, extracted);
      }
      filter.allowed.inc();
      boolean wasStopped = state == State.CALLING && fetcherStarted;
      state = State.COMPLETE;
      if (wasStopped) {
        callbacks.continueDecoding();
      }
      return;
    }
    deny(outcome.status());
  }

  private void fetch(String providerName) {
    JwksCache cache = filter.caches.get(providerName);
    fetcherStarted = true;
    fetcher =
        new JwksFetcher(
            cache.provider().remote().orElseThrow(),
            filter.clusters,
            callbacks.eventLoop(),
            callbacks.scheduler());
    fetcher.fetch(
        jwks -> {
          fetcher = null;
          if (state != State.CALLING) {
            return;
          }
          if (jwks == null) {
            filter.jwksFetchFailed.inc();
            failedFetches.add(providerName);
          } else {
            filter.jwksFetchSuccess.inc();
            cache.store(jwks);
          }
          run();
        });
  }

  private void deny(JwtStatus status) {
    filter.denied.inc();
    state = State.RESPONDED;
    int code = status == JwtStatus.JWT_AUDIENCE_NOT_ALLOWED ? 403 : 401;
    if (filter.config.stripFailureResponse()) {
      callbacks.sendLocalReply(code, "", status.responseCodeDetails());
      return;
    }
    FullHttpResponse reply =
        LocalReply.build(callbacks.alloc(), code, status.message(), callbacks.grpcRequest());
    String challenge = "Bearer realm=\"" + originalUri() + "\"";
    if (status != JwtStatus.JWT_MISSED) {
      challenge += ", error=\"invalid_token\"";
    }
    reply.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    callbacks.sendLocalReply(reply, status.responseCodeDetails());
  }

  /** Envoy's {@code buildOriginalUri}: scheme://host/path, without query, at most 256 chars. */
  private String originalUri() {
    String host = request.headers().get(HttpHeaderNames.HOST, "");
    String path = request.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (path.length() > 256) {
      path = path.substring(0, 256);
    }
    return callbacks.connection().scheme() + "://" + host + path;
  }

  private static boolean corsPreflight(HttpHeaders headers, HttpRequest request) {
    return request.method().equals(HttpMethod.OPTIONS)
        && !headers.get(HttpHeaderNames.ORIGIN, "").isEmpty()
        && !headers.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD, "").isEmpty();
  }
}
