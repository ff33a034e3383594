package io.attache.dataplane.filter.compressor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip;
import java.util.zip.Deflater;

/**
 * {@code envoy.compression.gzip.compressor} as {@link java.util.zip.Deflater} can run it: the
 * compression level and strategy map one to one; {@code RLE} and {@code FIXED} have no Deflater
 * equivalent and are refused. {@code window_bits} and {@code memory_level} are validated but not
 * mapped: Deflater always uses zlib's largest window (15 bits) and memory level 8, so a stream uses
 * more memory than Envoy's defaults (12 bits, level 5) and compresses at least as well; the output
 * is gzip either way. Immutable.
 *
 * @param level a Deflater level, or {@link Deflater#DEFAULT_COMPRESSION}
 * @param strategy a Deflater strategy
 * @param chunkSize the output buffer size ({@code chunk_size}, default 4096)
 */
record GzipSettings(int level, int strategy, int chunkSize) implements CompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip";
  static final String NAME = "envoy.compression.gzip.compressor";

  static GzipSettings from(Any typedConfig, String path) throws ConfigException {
    Gzip proto;
    try {
      proto = typedConfig.unpack(Gzip.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Gzip: " + e.getMessage());
    }
    if (proto.hasMemoryLevel()) {
      requireRange(proto.getMemoryLevel().getValue(), 1, 9, path + ".memory_level");
    }
    if (proto.hasWindowBits()) {
      requireRange(proto.getWindowBits().getValue(), 9, 15, path + ".window_bits");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      requireRange(chunkSize, 4096, 65536, path + ".chunk_size");
    }
    int level =
        switch (proto.getCompressionLevel()) {
          case DEFAULT_COMPRESSION -> Deflater.DEFAULT_COMPRESSION;
          case UNRECOGNIZED ->
              throw new ConfigException(path + ".compression_level", "unknown level");
          default -> proto.getCompressionLevelValue();
        };
    int strategy =
        switch (proto.getCompressionStrategy()) {
          case DEFAULT_STRATEGY -> Deflater.DEFAULT_STRATEGY;
          case FILTERED -> Deflater.FILTERED;
          case HUFFMAN_ONLY -> Deflater.HUFFMAN_ONLY;
          case RLE, FIXED ->
              throw new ConfigException(
                  path + ".compression_strategy",
                  proto.getCompressionStrategy()
                      + " is not supported: java.util.zip.Deflater has no such strategy");
          case UNRECOGNIZED ->
              throw new ConfigException(path + ".compression_strategy", "unknown strategy");
        };
    return new GzipSettings(level, strategy, chunkSize);
  }

  private static void requireRange(int value, int min, int max, String path)
      throws ConfigException {
    if (value < min || value > max) {
      throw new ConfigException(path, "must be in [" + min + ", " + max + "], got " + value);
    }
  }

  @Override
  public String encoding() {
    return "gzip";
  }

  @Override
  public String statPrefix() {
    return "gzip";
  }

  @Override
  public StreamEncoder newEncoder() {
    return new GzipEncoder(this);
  }
}
