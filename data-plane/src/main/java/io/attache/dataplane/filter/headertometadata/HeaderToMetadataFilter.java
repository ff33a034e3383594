package io.attache.dataplane.filter.headertometadata;

import com.google.protobuf.Struct;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.filter.StreamFilterCallbacks;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header_to_metadata filter on one stream: runs the request rules on the request headers and
 * the response rules on the response headers (local replies included), and writes what they
 * produced into the stream's dynamic metadata, one namespace at a time, for the filters, router and
 * access log after it. The rules are the route's most specific per-route config, else the filter's.
 * Never stops the stream and never answers it.
 */
final class HeaderToMetadataFilter implements StreamFilter {
  private final HeaderToMetadataConfig filterConfig;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private HeaderToMetadataConfig effective;

  HeaderToMetadataFilter(HeaderToMetadataConfig filterConfig) {
    this.filterConfig = filterConfig;
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
    Map<String, String> pseudo = new LinkedHashMap<>();
    pseudo.put(":method", request.method().name());
    pseudo.put(":path", request.uri());
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host != null) {
      pseudo.put(":authority", host);
    }
    pseudo.put(":scheme", decoder.connection().scheme());
    run(config(decoder).requestRules(), request.headers(), pseudo, decoder);
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    run(
        config(encoder).responseRules(),
        response.headers(),
        Map.of(":status", Integer.toString(response.status().code())),
        encoder);
    return FilterHeadersStatus.CONTINUE;
  }

  /** Envoy's {@code getConfig}: resolved once per stream, the route's config winning. */
  private HeaderToMetadataConfig config(StreamFilterCallbacks callbacks) {
    if (effective == null) {
      effective = callbacks.perRouteConfig(HeaderToMetadataConfig.class).orElse(filterConfig);
    }
    return effective;
  }

  private static void run(
      List<HeaderToMetadataRule> rules,
      io.netty.handler.codec.http.HttpHeaders headers,
      Map<String, String> pseudo,
      StreamFilterCallbacks callbacks) {
    if (rules.isEmpty()) {
      return;
    }
    Map<String, Struct.Builder> byNamespace = new LinkedHashMap<>();
    for (HeaderToMetadataRule rule : rules) {
      rule.apply(headers, pseudo, byNamespace);
    }
    byNamespace.forEach(
        (ns, fields) -> callbacks.streamInfo().setDynamicMetadata(ns, fields.build()));
  }
}
