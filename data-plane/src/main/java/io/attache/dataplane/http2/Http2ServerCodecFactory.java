package io.attache.dataplane.http2;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.Ticker;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Builds the HTTP/2 server side of one listener's connections: Netty's frame codec with the
 * listener's settings, {@code max_outbound_control_frames} as the bound on queued control frames (a
 * SETTINGS or PING flood ends in GOAWAY ENHANCE_YOUR_CALM) and {@link Http2FrameRules} in front of
 * its decoder; and the handlers that go at the end of the connection's pipeline. One per listener
 * config; immutable and shared by its connections.
 */
public final class Http2ServerCodecFactory {
  private final Http2ServerConfig config;
  private final Http2Stats stats;
  private final Ticker ticker;

  public Http2ServerCodecFactory(Http2ServerConfig config, StatsStore store, Ticker ticker) {
    this.config = config;
    this.stats = new Http2Stats(store, config.statPrefix());
    this.ticker = ticker;
  }

  public Http2ServerConfig config() {
    return config;
  }

  /** A frame codec for one new connection (prior knowledge or h2c upgrade). */
  public Http2FrameCodec newCodec() {
    return new Builder().build();
  }

  /**
   * The handler for the end of a connection's pipeline, after the multiplexer: it counts and logs
   * (rate-limited) what ends a connection, and starts the streams of each read once it is over.
   */
  public ChannelHandler[] connectionTail() {
    return new ChannelHandler[] {new Http2ConnectionErrors(stats, ticker), new StreamStarts()};
  }

  private final class Builder extends Http2FrameCodecBuilder {
    Builder() {
      server(true);
      initialSettings(
          Http2Settings.defaultSettings()
              .maxConcurrentStreams(config.maxConcurrentStreams())
              .maxHeaderListSize(config.maxHeaderListSize()));
      encoderEnforceMaxQueuedControlFrames(config.maxOutboundControlFrames());
      // Envoy's premature-reset rule (Http2FrameRules) stands in for Netty's raw counts of
      // RST_STREAM frames received and sent (200 per 30 s), which would also cut a client that
      // cancels many long-lived streams, as gRPC clients do; a rapid reset or a flood of malformed
      // requests is stopped after 250 premature streams either way.
      decoderEnforceMaxRstFramesPerWindow(0, 0);
      encoderEnforceMaxRstFramesPerWindow(0, 0);
    }

    @Override
    protected Http2FrameCodec build(
        Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
      return super.build(new Http2FrameRules(decoder, config, stats, ticker), encoder, settings);
    }
  }
}
