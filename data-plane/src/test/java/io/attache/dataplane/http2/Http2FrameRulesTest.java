package io.attache.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frame rules on an in-memory connection, fed byte by byte so every frame straddles reads: the
 * decoder in front of Netty's must cut frames exactly where Netty's reader does.
 */
class Http2FrameRulesTest {
  private final StatsStore stats = new StatsStore();
  private final List<Http2HeadersFrame> requests = new ArrayList<>();
  private final List<Throwable> connectionErrors = new ArrayList<>();
  private final EmbeddedChannel channel =
      new EmbeddedChannel(
          new Http2ServerCodecFactory(
                  new Http2ServerConfig("ingress", 100, 65536, 1000, false), stats, () -> 0L)
              .newCodec(),
          new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              if (msg instanceof Http2HeadersFrame headers) {
                requests.add(headers);
              }
              ReferenceCountUtil.release(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
              connectionErrors.add(cause); // what the codec reports as it closes
            }
          });

  private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
    out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream);
    out.writeBytes(payload);
    payload.release();
  }

  private static ByteBuf block(Http2Headers headers) throws Exception {
    ByteBuf b = Unpooled.buffer();
    new DefaultHttp2HeadersEncoder().encodeHeaders(1, headers, b);
    return b;
  }

  private static Http2Headers get(String path) {
    return new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a").path(path);
  }

  private ByteBuf preface() {
    ByteBuf in = Unpooled.buffer();
    in.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(in, 0x4, 0, 0, Unpooled.EMPTY_BUFFER);
    return in;
  }

  /** Writes {@code bytes} one byte per read. */
  private void trickle(ByteBuf bytes) {
    while (bytes.isReadable() && channel.isOpen()) {
      channel.writeInbound(bytes.readRetainedSlice(1));
    }
    bytes.release();
  }

  /** The GOAWAY error code the codec wrote, or -1. */
  private long goAwayError() {
    ByteBuf out = Unpooled.buffer();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      out.writeBytes((ByteBuf) msg);
      ((ByteBuf) msg).release();
    }
    try {
      while (out.readableBytes() >= 9) {
        int length = out.readUnsignedMedium();
        int type = out.readByte();
        out.skipBytes(5);
        if (type == 0x7) {
          return out.getUnsignedInt(out.readerIndex() + 4);
        }
        out.skipBytes(length);
      }
      return -1;
    } finally {
      out.release();
    }
  }

  @Test
  void requestsCutAcrossEveryByteArriveWhole() throws Exception {
    ByteBuf in = preface();
    frame(in, 0x1, 0x5, 1, block(get("/one")));
    frame(in, 0x1, 0x5, 3, block(get("/two")));

    trickle(in);

    assertThat(requests)
        .extracting(f -> f.headers().path().toString())
        .containsExactly("/one", "/two");
    assertThat(channel.isOpen()).isTrue();
    channel.finishAndReleaseAll();
  }

  @Test
  void aReusedStreamIdCutAcrossReadsIsStillAConnectionError() throws Exception {
    ByteBuf in = preface();
    frame(in, 0x1, 0x5, 5, block(get("/five")));
    frame(in, 0x1, 0x5, 3, block(get("/three")));

    trickle(in);

    assertThat(requests).hasSize(1);
    assertThat(goAwayError()).isEqualTo(0x1);
    assertThat(connectionErrors).singleElement().asString().contains("HEADERS for stream 3");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aZeroWindowIncrementCutAcrossReadsIsAConnectionError() throws Exception {
    ByteBuf in = preface();
    frame(in, 0x8, 0, 0, Unpooled.buffer().writeInt(0));

    trickle(in);

    assertThat(goAwayError()).isEqualTo(0x1);
    assertThat(connectionErrors).singleElement().asString().contains("increment of 0");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aRequestWithoutMethodEndsTheConnectionByDefault() throws Exception {
    Http2Headers noMethod = get("/x");
    noMethod.remove(":method");
    ByteBuf in = preface();
    frame(in, 0x1, 0x5, 1, block(noMethod));

    trickle(in);

    assertThat(requests).isEmpty();
    assertThat(goAwayError()).isEqualTo(0x1);
    assertThat(connectionErrors).singleElement().asString().contains("missing :method");
    assertThat(stats.counters().get("http2.rx_messaging_error").value()).isEqualTo(1);
  }
}
