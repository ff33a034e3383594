package io.attache.dataplane.headercase;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sits on an HTTP/1.1 pipeline right behind Netty's codec and gives the wire Envoy's header case:
 * what it writes goes out with the message's carried formatter, else the codec's own ({@code
 * proper_case_words} or lower case); a response's status line gets Envoy's reason phrase unless a
 * forwarded one is carried; trailers go out in lower case (Envoy does not format them). With {@code
 * preserve_case} what it reads is wrapped with the case it arrived in. One per connection; runs on
 * the event loop.
 */
public final class Http1HeaderCase extends ChannelDuplexHandler {
  public static final String NAME = "http1-header-case";

  private final HeaderKeyFormat format;

  public Http1HeaderCase(HeaderKeyFormat format) {
    this.format = format;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (format.kind() == HeaderKeyFormat.Kind.PRESERVE_CASE
        && msg instanceof HttpMessage m
        && !(msg instanceof HttpContent)
        && !(msg instanceof FormattedHttpMessage)) {
      msg = remember(m);
    }
    ctx.fireChannelRead(msg);
  }

  private HttpMessage remember(HttpMessage m) {
    PreservedHeaderCase recorder = format.newRecorder();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = m.headers().iteratorCharSequence();
        it.hasNext(); ) {
      recorder.processKey(it.next().getKey().toString());
    }
    HttpMessage wrapped;
    if (m instanceof HttpRequest r) {
      wrapped =
          new FormattedHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers(), recorder);
    } else if (m instanceof HttpResponse r) {
      if (format.forwardReasonPhrase()) {
        recorder.setReasonPhrase(r.status().reasonPhrase());
      }
      wrapped = new FormattedHttpResponse(r.protocolVersion(), r.status(), r.headers(), recorder);
    } else {
      return m;
    }
    wrapped.setDecoderResult(m.decoderResult());
    return wrapped;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpMessage m) {
      KeyFormatter formatter =
          m instanceof FormattedHttpMessage carried
              ? carried.keyFormatter()
              : format.ownFormatter();
      formatNames(m.headers(), formatter);
      if (m instanceof HttpResponse r) {
        setReasonPhrase(r, formatter.reasonPhrase());
      }
    }
    if (msg instanceof LastHttpContent last) {
      formatNames(last.trailingHeaders(), KeyFormatter.LOWER_CASE);
    }
    ctx.write(msg, promise);
  }

  private static void setReasonPhrase(HttpResponse r, String forwarded) {
    HttpResponseStatus status = r.status();
    String phrase = forwarded.isEmpty() ? ReasonPhrases.of(status.code()) : forwarded;
    if (!phrase.equals(status.reasonPhrase())) {
      r.setStatus(new HttpResponseStatus(status.code(), phrase));
    }
  }

  /** Rewrites every name in place, in order; nothing is copied when lower case is already right. */
  static void formatNames(HttpHeaders headers, KeyFormatter formatter) {
    if (headers.isEmpty() || (formatter == KeyFormatter.LOWER_CASE && allLowerCase(headers))) {
      return;
    }
    List<Map.Entry<String, String>> entries = headers.entries();
    headers.clear();
    for (Map.Entry<String, String> e : entries) {
      headers.add(formatter.format(e.getKey().toLowerCase(Locale.ROOT)), e.getValue());
    }
  }

  private static boolean allLowerCase(HttpHeaders headers) {
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c >= 'A' && c <= 'Z') {
          return false;
        }
      }
    }
    return true;
  }
}
