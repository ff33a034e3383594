package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilter;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.matcher.ConnectionData;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.matcher.MatchingData;
import io.attache.dataplane.matcher.UnifiedMatcher;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One wrapped filter instance of one stream with its match tree (Envoy's {@code
 * DelegatingStreamFilter}). The tree is evaluated when request headers, request trailers, response
 * headers, then response trailers arrive, until it decides: {@code SkipFilter} passes everything
 * from then on straight through (the wrapped filter never sees it), {@code ExecuteFilterAction}
 * goes to a composite filter, no match or no decision yet lets the wrapped filter run. It must
 * never decide on data that has not arrived nor evaluate a decided tree again.
 */
final class MatchDelegatingFilter implements StreamFilter, MatchingData {
  private final UnifiedMatcher<FilterMatchAction> matcher;
  private final Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> executes;
  private final StreamDecoderFilter decoder;
  private final StreamEncoderFilter encoder;
  private String scheme = "http";
  private DownstreamConnection connection;
  private StreamInfo info;
  private HeaderSource requestHeaders;
  private HeaderSource responseHeaders;
  private HeaderSource requestTrailers;
  private HeaderSource responseTrailers;
  private boolean decided;
  private boolean skip;

  MatchDelegatingFilter(
      UnifiedMatcher<FilterMatchAction> matcher,
      Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> executes,
      StreamDecoderFilter decoder,
      StreamEncoderFilter encoder) {
    this.matcher = matcher;
    this.executes = executes;
    this.decoder = decoder;
    this.encoder = encoder;
  }

  @Override
  public HeaderSource requestHeaders() {
    return requestHeaders;
  }

  @Override
  public HeaderSource responseHeaders() {
    return responseHeaders;
  }

  @Override
  public HeaderSource requestTrailers() {
    return requestTrailers;
  }

  @Override
  public HeaderSource responseTrailers() {
    return responseTrailers;
  }

  /**
   * The stream's addresses for the network inputs, as Envoy's stream info gives them: the source is
   * the downstream remote address the connection manager decided on ({@code x-forwarded-for} with
   * port 0 when it trusts it, else the PROXY protocol header's source or the peer), the direct
   * source always the socket peer.
   */
  @Override
  public ConnectionData connection() {
    if (connection == null) {
      return null;
    }
    InetSocketAddress source = info == null ? null : info.downstreamRemoteSocketAddress();
    return ConnectionData.ofAddresses(
        connection.localAddress(),
        source != null ? source : connection.remoteAddress(),
        connection.directRemoteAddress());
  }

  private void evaluate() {
    if (decided) {
      return;
    }
    UnifiedMatcher.Result<FilterMatchAction> result = matcher.match(this);
    decided = !result.needsMoreData();
    if (!decided || !result.matched()) {
      return;
    }
    if (result.action() == FilterMatchAction.Skip.INSTANCE) {
      skip = true;
      return;
    }
    // Envoy hands any other action to the wrapped filter; only the composite takes it.
    Object base = encoder != null ? encoder : decoder;
    if (base instanceof ExecuteFilterReceiver receiver
        && result.action() instanceof FilterMatchAction.ExecuteFilter execute) {
      receiver.execute(executes.get(execute));
    }
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    connection = callbacks.connection();
    info = callbacks.streamInfo();
    scheme = connection.scheme();
    decoder.setDecoderFilterCallbacks(callbacks);
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    if (connection == null) {
      connection = callbacks.connection();
      info = callbacks.streamInfo();
    }
    encoder.setEncoderFilterCallbacks(callbacks);
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    requestHeaders = HeaderSource.ofRequest(request, scheme);
    evaluate();
    return skip ? FilterHeadersStatus.CONTINUE : decoder.decodeHeaders(request, endStream);
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    return skip ? FilterDataStatus.CONTINUE : decoder.decodeData(data, endStream);
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    requestTrailers = HeaderSource.ofTrailers(trailers);
    evaluate();
    return skip ? FilterTrailersStatus.CONTINUE : decoder.decodeTrailers(trailers);
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    responseHeaders = HeaderSource.ofResponse(response.status().code(), response.headers());
    evaluate();
    return skip ? FilterHeadersStatus.CONTINUE : encoder.encodeHeaders(response, endStream);
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    return skip ? FilterDataStatus.CONTINUE : encoder.encodeData(data, endStream);
  }

  @Override
  public FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    responseTrailers = HeaderSource.ofTrailers(trailers);
    evaluate();
    return skip ? FilterTrailersStatus.CONTINUE : encoder.encodeTrailers(trailers);
  }

  @Override
  public void onDestroy() {
    if (decoder != null) {
      decoder.onDestroy();
    }
    if (encoder != null && encoder != decoder) {
      encoder.onDestroy();
    }
  }
}
