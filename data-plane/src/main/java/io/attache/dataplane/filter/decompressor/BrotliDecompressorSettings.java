package io.attache.dataplane.filter.decompressor;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.extensions.compression.brotli.decompressor.v3.Brotli;
import java.util.function.Supplier;

/**
 * {@code envoy.compression.brotli.decompressor} on brotli4j: {@code chunk_size} (default 4096) is
 * how many bytes go to the native decoder at a time. brotli4j does not expose {@code
 * BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION}, so {@code
 * disable_ring_buffer_reallocation: true} is refused naming the field. Refuses the config when the
 * native library cannot load on this platform. Immutable.
 *
 * @param chunkSize the native input buffer size
 */
record BrotliDecompressorSettings(int chunkSize) implements DecompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.brotli.decompressor.v3.Brotli";
  static final String NAME = "envoy.compression.brotli.decompressor";

  static BrotliDecompressorSettings from(Any typedConfig, String path) throws ConfigException {
    Brotli proto;
    try {
      proto = typedConfig.unpack(Brotli.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Brotli: " + e.getMessage());
    }
    if (proto.getDisableRingBufferReallocation()) {
      throw new ConfigException(
          path + ".disable_ring_buffer_reallocation",
          "true is not supported: brotli4j does not expose"
              + " BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      if (chunkSize < 4096 || chunkSize > 65536) {
        throw new ConfigException(
            path + ".chunk_size", "must be in [4096, 65536], got " + chunkSize);
      }
    }
    if (!Brotli4jLoader.isAvailable()) {
      throw new ConfigException(
          path,
          "brotli4j's native library does not load on this platform: "
              + Brotli4jLoader.getUnavailabilityCause());
    }
    return new BrotliDecompressorSettings(chunkSize);
  }

  @Override
  public String encoding() {
    return "br";
  }

  @Override
  public String statPrefix() {
    return "brotli";
  }

  /** Envoy's one brotli counter, {@code brotli_error}. */
  @Override
  public Supplier<StreamDecoder> decoders(StatsStore store, String prefix) {
    Counter errors = store.counter(prefix + "brotli_error");
    return () -> new BrotliDecoder(chunkSize, errors);
  }
}
