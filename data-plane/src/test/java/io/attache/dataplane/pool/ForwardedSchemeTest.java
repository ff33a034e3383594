package io.attache.dataplane.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 upstream request carries the downstream's scheme (its {@code x-forwarded-proto}) as
 * {@code :scheme}, as Envoy's does, whatever the upstream connection's transport; the stream codec
 * alone would write the upstream transport's.
 */
class ForwardedSchemeTest {

  private static Http2HeadersFrame sent(String method, String forwardedProto) throws Exception {
    // No TLS on this channel: the stream codec alone would write "http".
    EmbeddedChannel channel =
        new EmbeddedChannel(ForwardedScheme.INSTANCE, new Http2StreamFrameToHttpObjectCodec(false));
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/a");
    request.headers().set("host", "example.com");
    if (forwardedProto != null) {
      request.headers().set("x-forwarded-proto", forwardedProto);
    }
    channel.writeOutbound(request);
    Http2HeadersFrame frame = null;
    for (Object out; (out = channel.readOutbound()) != null; ) {
      if (out instanceof Http2HeadersFrame f) {
        frame = f;
      } else {
        io.netty.util.ReferenceCountUtil.release(out);
      }
    }
    channel.finishAndReleaseAll();
    return frame;
  }

  @Test
  void theDownstreamsForwardedProtoIsTheSchemeAndOtherwiseTheCodecsStays() throws Exception {
    assertThat(sent("GET", "https").headers().scheme().toString()).isEqualTo("https");
    assertThat(sent("GET", "http").headers().scheme().toString()).isEqualTo("http");
    assertThat(sent("GET", null).headers().scheme().toString()).isEqualTo("http");
    assertThat(sent("GET", "gopher").headers().scheme().toString()).isEqualTo("http");
  }
}
