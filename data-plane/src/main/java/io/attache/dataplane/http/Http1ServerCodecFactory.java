package io.attache.dataplane.http;

import io.attache.dataplane.headercase.Http1HeaderCase;
import io.attache.dataplane.stats.StatsStore;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Installs the HTTP/1.1 front door on a downstream pipeline: {@link RequestSmugglingGuard} (bytes)
 * → Netty's {@link HttpServerCodec} → {@link Http1HeaderCase} (the wire case of header names) →
 * {@link Http1ExchangeSequencer} (objects). The stream handler added after them receives only
 * requests that passed every check. One factory per listener config; it is immutable and shared by
 * all connections.
 */
public final class Http1ServerCodecFactory {
  public static final String GUARD_NAME = "http1-smuggling-guard";
  public static final String CODEC_NAME = "http1-codec";
  public static final String SEQUENCER_NAME = "http1-sequencer";

  /**
   * Netty's own limits sit above ours so that the scanner, with the precise status, speaks first.
   */
  private static final int NETTY_LIMIT_SLACK = 1024;

  private final Http1ServerConfig config;
  private final Http1Stats stats;

  public Http1ServerCodecFactory(Http1ServerConfig config, StatsStore statsStore) {
    this.config = config;
    this.stats = new Http1Stats(statsStore, config.statPrefix());
  }

  public Http1ServerConfig config() {
    return config;
  }

  /** Appends the four handlers; the caller then appends its stream handler. */
  public void install(ChannelPipeline pipeline) {
    Http1Limits limits = config.limits();
    PipelinedRequestWindow window = new PipelinedRequestWindow(PipelinedRequestWindow.DEFAULT_SIZE);
    pipeline.addLast(GUARD_NAME, new RequestSmugglingGuard(limits, config.settings(), window));
    pipeline.addLast(CODEC_NAME, new HttpServerCodec(decoderConfig(limits, config.settings())));
    pipeline.addLast(Http1HeaderCase.NAME, new Http1HeaderCase(config.headerKeyFormat()));
    pipeline.addLast(
        SEQUENCER_NAME, new Http1ExchangeSequencer(limits, config.settings(), stats, window));
  }

  /**
   * Removes the four handlers, for a connection that leaves HTTP/1 (a 101 upgrade or a CONNECT
   * tunnel): call it after writing the response that switches protocols.
   */
  public static void uninstall(ChannelPipeline pipeline) {
    for (String name :
        new String[] {SEQUENCER_NAME, Http1HeaderCase.NAME, CODEC_NAME, GUARD_NAME}) {
      if (pipeline.get(name) != null) {
        pipeline.remove(name);
      }
    }
  }

  static HttpDecoderConfig decoderConfig(Http1Limits limits, Http1Settings settings) {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(limits.maxInitialLineLength() + NETTY_LIMIT_SLACK)
        .setMaxHeaderSize(
            limits.maxRequestHeadersBytes() + 4 * limits.maxHeadersCount() + NETTY_LIMIT_SLACK)
        .setMaxChunkSize(limits.maxChunkSize())
        .setAllowDuplicateContentLengths(false)
        .setValidateHeaders(true)
        .setStrictLineParsing(true)
        // With allow_chunked_length Netty must drop Content-Length (and close after the response,
        // as RFC 9112 §6.3 asks) instead of refusing: the scanner has already vetted both headers.
        .setUseRfc9112TransferEncoding(!settings.allowChunkedLength());
  }
}
