package io.attache.dataplane.filter.decompressor;

import com.github.luben.zstd.util.Native;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd;
import java.util.function.Supplier;

/**
 * {@code envoy.compression.zstd.decompressor} on zstd-jni: {@code chunk_size} (default 4096) is the
 * output buffer. {@code dictionaries} are refused naming the field (Attaché loads no zstd
 * dictionaries). Refuses the config when the native library cannot load on this platform.
 * Immutable.
 *
 * @param chunkSize the output buffer size
 */
record ZstdDecompressorSettings(int chunkSize) implements DecompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.zstd.decompressor.v3.Zstd";
  static final String NAME = "envoy.compression.zstd.decompressor";

  static ZstdDecompressorSettings from(Any typedConfig, String path) throws ConfigException {
    Zstd proto;
    try {
      proto = typedConfig.unpack(Zstd.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Zstd: " + e.getMessage());
    }
    if (proto.getDictionariesCount() > 0) {
      throw new ConfigException(
          path + ".dictionaries", "is not supported: Attaché loads no zstd dictionaries");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      if (chunkSize < 4096 || chunkSize > 65536) {
        throw new ConfigException(
            path + ".chunk_size", "must be in [4096, 65536], got " + chunkSize);
      }
    }
    try {
      Native.load();
    } catch (LinkageError e) {
      throw new ConfigException(
          path, "zstd-jni's native library does not load on this platform: " + e.getMessage());
    }
    return new ZstdDecompressorSettings(chunkSize);
  }

  @Override
  public String encoding() {
    return "zstd";
  }

  @Override
  public String statPrefix() {
    return "zstd";
  }

  /**
   * Envoy's zstd counters: {@code zstd_generic_error}, {@code zstd_dictionary_error}, {@code
   * zstd_checksum_wrong_error}, {@code zstd_memory_error}.
   */
  @Override
  public Supplier<StreamDecoder> decoders(StatsStore store, String prefix) {
    ZstdDecoder.Errors errors =
        new ZstdDecoder.Errors(
            store.counter(prefix + "zstd_generic_error"),
            store.counter(prefix + "zstd_dictionary_error"),
            store.counter(prefix + "zstd_checksum_wrong_error"),
            store.counter(prefix + "zstd_memory_error"));
    return () -> new ZstdDecoder(chunkSize, errors);
  }
}
