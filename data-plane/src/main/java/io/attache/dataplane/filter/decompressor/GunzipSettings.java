package io.attache.dataplane.filter.decompressor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.extensions.compression.gzip.decompressor.v3.Gzip;
import java.util.function.Supplier;

/**
 * {@code envoy.compression.gzip.decompressor} as {@link java.util.zip.Inflater} can run it: {@code
 * chunk_size} is the output buffer, {@code max_inflate_ratio} bounds each chunk's output (Envoy's
 * decompression-bomb guard, default 100). {@code window_bits} is validated but not mapped: Inflater
 * always keeps zlib's largest window, so it also inflates a stream that references further back
 * than a smaller configured window, which Envoy's zlib refuses. Immutable.
 *
 * @param chunkSize the output buffer size (default 4096)
 * @param maxInflateRatio how many times its input one chunk may inflate to (default 100)
 */
record GunzipSettings(int chunkSize, int maxInflateRatio) implements DecompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip";
  static final String NAME = "envoy.compression.gzip.decompressor";

  static GunzipSettings from(Any typedConfig, String path) throws ConfigException {
    Gzip proto;
    try {
      proto = typedConfig.unpack(Gzip.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Gzip: " + e.getMessage());
    }
    if (proto.hasWindowBits()) {
      requireRange(proto.getWindowBits().getValue(), 9, 15, path + ".window_bits");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      requireRange(chunkSize, 4096, 65536, path + ".chunk_size");
    }
    int ratio = 100;
    if (proto.hasMaxInflateRatio()) {
      ratio = proto.getMaxInflateRatio().getValue();
      requireRange(ratio, 1, 1032, path + ".max_inflate_ratio");
    }
    return new GunzipSettings(chunkSize, ratio);
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

  /**
   * The one zlib error {@link java.util.zip.Inflater} can tell apart, {@code zlib_data_error};
   * Envoy's other {@code zlib_*} errors cannot happen here.
   */
  @Override
  public Supplier<StreamDecoder> decoders(StatsStore store, String prefix) {
    Counter dataErrors = store.counter(prefix + "zlib_data_error");
    return () -> new GunzipDecoder(this, dataErrors);
  }
}
