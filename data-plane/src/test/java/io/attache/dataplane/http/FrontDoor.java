package io.attache.dataplane.http;

import io.attache.dataplane.stats.StatsStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/** An EmbeddedChannel with the front door installed and a recording stream handler behind it. */
final class FrontDoor {
  final StatsStore stats = new StatsStore();
  final EmbeddedChannel channel = new EmbeddedChannel();
  final RecordingStreamHandler handler;

  FrontDoor(Http1Limits limits, Http1Settings settings, boolean autoRespond) {
    handler = new RecordingStreamHandler(autoRespond);
    new Http1ServerCodecFactory(new Http1ServerConfig("ingress", limits, settings), stats)
        .install(channel.pipeline());
    channel.pipeline().addLast(handler);
  }

  FrontDoor() {
    this(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, true);
  }

  FrontDoor send(String raw) {
    return sendBytes(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  FrontDoor sendBytes(byte[] raw) {
    if (channel.isOpen()) {
      channel.writeInbound(Unpooled.wrappedBuffer(raw));
    }
    channel.runPendingTasks();
    return this;
  }

  /** Everything written to the socket so far, as text. */
  String output() {
    StringBuilder out = new StringBuilder();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) msg;
      out.append(buf.toString(StandardCharsets.ISO_8859_1));
      buf.release();
    }
    return out.toString();
  }

  long counter(String name) {
    return stats.counter(name).value();
  }
}
