package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilter;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.stats.Counter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The composite filter of one stream: until an {@code ExecuteFilterAction} delegates to a filter it
 * passes everything through; after, the delegated filter runs in its place with the composite's
 * callbacks (so its per-route config is the composite's). A factory that makes more than one filter
 * is refused for the stream ({@code filter_delegation_error}), as in Envoy.
 */
final class CompositeFilter implements StreamFilter, ExecuteFilterReceiver {
  private final Counter success;
  private final Counter error;
  private StreamDecoderFilterCallbacks decoderCallbacks;
  private StreamEncoderFilterCallbacks encoderCallbacks;
  private StreamDecoderFilter decoder;
  private StreamEncoderFilter encoder;

  CompositeFilter(Counter success, Counter error) {
    this.success = success;
    this.error = error;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.decoderCallbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    this.encoderCallbacks = callbacks;
  }

  @Override
  public void execute(HttpFilterFactory filter) {
    Capture capture = new Capture();
    filter.createFilters(capture);
    if (capture.count != 1) {
      error.inc();
      return;
    }
    success.inc();
    decoder = capture.decoder;
    encoder = capture.encoder;
    if (decoder != null) {
      decoder.setDecoderFilterCallbacks(decoderCallbacks);
    }
    if (encoder != null) {
      encoder.setEncoderFilterCallbacks(encoderCallbacks);
    }
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    return decoder == null
        ? FilterHeadersStatus.CONTINUE
        : decoder.decodeHeaders(request, endStream);
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    return decoder == null ? FilterDataStatus.CONTINUE : decoder.decodeData(data, endStream);
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return decoder == null ? FilterTrailersStatus.CONTINUE : decoder.decodeTrailers(trailers);
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    return encoder == null
        ? FilterHeadersStatus.CONTINUE
        : encoder.encodeHeaders(response, endStream);
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    return encoder == null ? FilterDataStatus.CONTINUE : encoder.encodeData(data, endStream);
  }

  @Override
  public FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    return encoder == null ? FilterTrailersStatus.CONTINUE : encoder.encodeTrailers(trailers);
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

  /** Takes the one filter an action's factory makes for this stream. */
  private static final class Capture implements FilterChainFactoryCallbacks {
    private int count;
    private StreamDecoderFilter decoder;
    private StreamEncoderFilter encoder;

    @Override
    public void addStreamDecoderFilter(StreamDecoderFilter filter) {
      count++;
      decoder = filter;
    }

    @Override
    public void addStreamEncoderFilter(StreamEncoderFilter filter) {
      count++;
      encoder = filter;
    }

    @Override
    public void addStreamFilter(StreamFilter filter) {
      count++;
      decoder = filter;
      encoder = filter;
    }
  }
}
