package io.attache.dataplane.filter.cache;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.AsyncClientHeaders;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.router.RouteDecision;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.cache} on one stream (Envoy's {@code CacheFilter}): a bodiless GET or
 * HEAD that may be served from the cache is looked up; a fresh entry is served with its {@code age}
 * (a single byte range as 206, an unsatisfiable one as 416); a stale one is validated upstream with
 * {@code if-none-match}/{@code if-modified-since}, and a 304 answer is merged into the stored
 * response, which is served and (when the etags agree) updated. What it looks up and does not serve
 * goes upstream as Envoy's asynchronous client sends it. A cacheable response to a GET whose
 * request allows storing is stored once whole. It never stores what a request or response forbids,
 * and never changes a request it does not look up.
 */
final class CacheFilter implements StreamFilter {
  static final String RESPONSE_FROM_CACHE_FILTER = "cache.response_from_cache_filter";

  /** Response headers a 304 never replaces in the stored response (Envoy's simple cache). */
  private static final Set<String> KEPT_ON_UPDATE =
      Set.of("content-range", "content-length", "etag", "vary");

  private enum State {
    /** Not looked up (not cacheable, or has a body); the response may still be stored. */
    PASSING,
    /** Answered from the cache in decodeHeaders. */
    SERVING_FROM_CACHE,
    /** A stale entry's validation is upstream. */
    VALIDATING,
    /** The upstream said 304: the stored body replaces the upstream's (empty) one. */
    SERVING_VALIDATED
  }

  private final CacheSettings settings;
  private final SimpleHttpCache cache;
  private final Clock clock;
  private final long capacityBytes;
  private final InetAddress localAddress;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private State state = State.PASSING;
  private boolean lookedUp;
  private boolean head;
  private boolean requestAllowsInserts;
  private String baseKey;
  private HttpHeaders requestHeaders;
  private SimpleHttpCache.Lookup validating;
  private ByteArrayOutputStream insertBody;
  private int insertStatus;
  private HttpHeaders insertHeaders;
  private Instant insertTime;

  CacheFilter(
      CacheSettings settings,
      SimpleHttpCache cache,
      Clock clock,
      long capacityBytes,
      InetAddress localAddress) {
    this.localAddress = localAddress;
    this.settings = settings;
    this.cache = cache;
    this.clock = clock;
    this.capacityBytes = capacityBytes;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.decoder = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    this.encoder = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    String scheme = decoder.connection().scheme();
    if (!endStream || CachePolicy.whyNotServable(request, scheme) != null) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders h = request.headers();
    RequestCacheControl requestControl =
        settings.ignoreRequestCacheControlHeader()
            ? RequestCacheControl.NONE
            : RequestCacheControl.parse(
                h.get(HttpHeaderNames.CACHE_CONTROL), h.get(HttpHeaderNames.PRAGMA));
    lookedUp = true;
    head = request.method().equals(HttpMethod.HEAD);
    requestAllowsInserts = !requestControl.noStore();
    baseKey = settings.keys().keyOf(scheme, h.get(HttpHeaderNames.HOST), request.uri());
    requestHeaders = h.copy();
    SimpleHttpCache.Lookup found = cache.lookup(baseKey, h, settings::allowsVary);
    if (found.entry() == null) {
      fetchThroughAsyncClient(h);
      return FilterHeadersStatus.CONTINUE;
    }
    CachedResponse entry = found.entry();
    long age = CachePolicy.ageSeconds(entry.headers(), entry.responseTime(), clock.instant());
    if (CachePolicy.requiresValidation(entry.headers(), age, requestControl)) {
      state = State.VALIDATING;
      validating = found;
      addValidationHeaders(h, entry.headers());
      fetchThroughAsyncClient(h);
      return FilterHeadersStatus.CONTINUE;
    }
    state = State.SERVING_FROM_CACHE;
    serveHit(entry, age, head ? null : h.get(HttpHeaderNames.RANGE), request.method());
    return FilterHeadersStatus.STOP_ITERATION;
  }

  /**
   * Envoy 1.40 fills the cache (a miss) and validates a stale entry through its asynchronous HTTP
   * client on the route's cluster, not through the rest of the chain: the upstream gets the request
   * as this filter saw it, marked internal and from this server ({@link AsyncClientHeaders}), and
   * none of the route's rewrites, header additions, timeout or retries ({@link
   * RouteDecision.Forward#forAsyncClient}). A route that does not forward is left alone.
   */
  private void fetchThroughAsyncClient(HttpHeaders h) {
    if (decoder.route() instanceof RouteDecision.Forward forward) {
      decoder.setRoute(forward.forAsyncClient());
      AsyncClientHeaders.apply(h, localAddress);
    }
  }

  /** Envoy's {@code injectValidationHeaders}: the etag, and last-modified when valid else date. */
  private static void addValidationHeaders(HttpHeaders request, HttpHeaders stored) {
    String etag = stored.get(HttpHeaderNames.ETAG);
    if (etag != null) {
      request.set(HttpHeaderNames.IF_NONE_MATCH, etag);
    }
    String lastModified = stored.get(HttpHeaderNames.LAST_MODIFIED);
    if (lastModified != null && !CachePolicy.httpTime(lastModified).equals(Instant.EPOCH)) {
      request.set(HttpHeaderNames.IF_MODIFIED_SINCE, lastModified);
    } else if (stored.contains(HttpHeaderNames.DATE)) {
      request.set(HttpHeaderNames.IF_MODIFIED_SINCE, stored.get(HttpHeaderNames.DATE));
    }
  }

  private void serveHit(CachedResponse entry, long age, String range, HttpMethod method) {
    HttpHeaders headers = entry.headers().copy();
    headers.set(HttpHeaderNames.AGE, Long.toString(age));
    int status = entry.status();
    byte[] body = entry.body();
    int from = 0;
    int length = body.length;
    ByteRange part =
        method.equals(HttpMethod.GET) && status == 200 ? ByteRange.of(range, body.length) : null;
    if (part == ByteRange.UNSATISFIABLE) {
      status = 416;
      headers.add(HttpHeaderNames.CONTENT_RANGE, "bytes */" + body.length);
      length = 0;
    } else if (part != null) {
      status = 206;
      headers.add(
          HttpHeaderNames.CONTENT_RANGE,
          "bytes " + part.begin() + "-" + (part.end() - 1) + "/" + body.length);
      from = (int) part.begin();
      length = (int) part.length();
    }
    headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
    decoder.streamInfo().addFlag(ResponseFlag.RESPONSE_FROM_CACHE_FILTER);
    decoder.streamInfo().setResponseCodeDetails(RESPONSE_FROM_CACHE_FILTER);
    ByteBuf content =
        head || length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body, from, length);
    HttpHeaders trailers = status == 416 ? EmptyHttpHeaders.INSTANCE : entry.trailers();
    decoder.encodeHeaders(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            content,
            headers,
            head ? new DefaultHttpHeaders() : trailers.copy()),
        true);
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (state == State.SERVING_FROM_CACHE || !lookedUp) {
      return FilterHeadersStatus.CONTINUE;
    }
    int status = response.status().code();
    if (state == State.VALIDATING && status == 304) {
      serveValidated(response, endStream);
      return FilterHeadersStatus.CONTINUE;
    }
    state = State.PASSING;
    if (requestAllowsInserts
        && !head
        && CachePolicy.isCacheableResponse(status, response.headers(), settings)) {
      insertStatus = status;
      insertHeaders = response.headers().copy();
      insertTime = clock.instant();
      insertBody = new ByteArrayOutputStream();
      if (response instanceof FullHttpResponse full) {
        append(full.content());
        finishInsert(full.trailingHeaders());
      }
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /**
   * Envoy's {@code processSuccessfulValidation}: the stored response with the 304's headers over
   * its own (no {@code age}), the stored status and length; the entry takes the merged headers and
   * a new response time unless the 304 names another etag.
   */
  private void serveValidated(HttpResponse notModified, boolean endStream) {
    CachedResponse entry = validating.entry();
    HttpHeaders merged = notModified.headers().copy();
    for (Map.Entry<String, String> e : entry.headers()) {
      if (e.getKey().equalsIgnoreCase("age")) {
        continue;
      }
      if (!merged.contains(e.getKey())) {
        merged.add(e.getKey(), e.getValue());
      }
    }
    merged.set(HttpHeaderNames.CONTENT_LENGTH, entry.body().length);
    String etag = notModified.headers().get(HttpHeaderNames.ETAG);
    if (etag == null || etag.equals(entry.headers().get(HttpHeaderNames.ETAG))) {
      HttpHeaders updated = entry.headers().copy();
      for (String name : notModified.headers().names()) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!KEPT_ON_UPDATE.contains(lower)) {
          updated.set(name, notModified.headers().getAll(name));
        }
      }
      cache.update(
          validating.key(),
          new CachedResponse(
              entry.status(), updated, entry.body(), entry.trailers(), clock.instant()));
    }
    encoder.streamInfo().addFlag(ResponseFlag.RESPONSE_FROM_CACHE_FILTER);
    encoder.streamInfo().setResponseCodeDetails(RESPONSE_FROM_CACHE_FILTER);
    HttpResponseStatus status = HttpResponseStatus.valueOf(entry.status());
    if (endStream) {
      ReferenceCountUtil.release(notModified);
      encoder.replaceResponseHeaders(
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              status,
              head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(entry.body()),
              merged,
              head ? new DefaultHttpHeaders() : entry.trailers().copy()));
      state = State.PASSING;
      lookedUp = false;
    } else {
      encoder.replaceResponseHeaders(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, merged));
      state = State.SERVING_VALIDATED;
    }
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    if (state == State.SERVING_VALIDATED) {
      boolean last = data instanceof LastHttpContent;
      data.release();
      if (last) {
        CachedResponse entry = validating.entry();
        state = State.PASSING;
        lookedUp = false;
        encoder.injectEncodedDataToFilterChain(
            head
                ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(
                    Unpooled.wrappedBuffer(entry.body()), entry.trailers().copy()));
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
    if (insertBody != null) {
      append(data.content());
      if (data instanceof LastHttpContent last) {
        finishInsert(last.trailingHeaders());
      }
    }
    return FilterDataStatus.CONTINUE;
  }

  /**
   * Copies a chunk for the entry; past {@code max_body_bytes} or the store's size, stores nothing.
   */
  private void append(ByteBuf content) {
    if (insertBody == null) {
      return;
    }
    int n = content.readableBytes();
    long size = (long) insertBody.size() + n;
    if ((settings.maxBodyBytes() > 0 && size > settings.maxBodyBytes()) || size > capacityBytes) {
      insertBody = null;
      return;
    }
    byte[] bytes = new byte[n];
    content.getBytes(content.readerIndex(), bytes);
    insertBody.writeBytes(bytes);
  }

  private void finishInsert(HttpHeaders trailers) {
    if (insertBody == null) {
      return;
    }
    cache.insert(
        baseKey,
        requestHeaders,
        new CachedResponse(
            insertStatus,
            insertHeaders,
            insertBody.toByteArray(),
            trailers.isEmpty() ? new DefaultHttpHeaders() : trailers.copy(),
            insertTime));
    insertBody = null;
  }

  @Override
  public void onDestroy() {
    insertBody = null;
    validating = null;
  }
}
