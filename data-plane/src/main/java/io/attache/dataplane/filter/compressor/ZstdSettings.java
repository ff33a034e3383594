package io.attache.dataplane.filter.compressor;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.util.Native;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;

/**
 * {@code envoy.compression.zstd.compressor} on zstd-jni (libzstd through JNI): {@code
 * compression_level} (0 or unset: zstd's default, 3), {@code enable_checksum} and {@code strategy}
 * map one to one to {@code ZSTD_c_compressionLevel}, {@code ZSTD_c_checksumFlag} and {@code
 * ZSTD_c_strategy}; {@code chunk_size} is the output buffer (default 4096 here, Envoy's is {@code
 * ZSTD_CStreamOutSize()}; only the chunking differs). A {@code dictionary} is refused naming the
 * field (Attaché loads no zstd dictionaries). Refuses the config when the native library cannot
 * load on this platform. Immutable.
 */
record ZstdSettings(int level, boolean checksum, int strategy, int chunkSize)
    implements CompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd";
  static final String NAME = "envoy.compression.zstd.compressor";

  static ZstdSettings from(Any typedConfig, String path) throws ConfigException {
    io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd proto;
    try {
      proto =
          typedConfig.unpack(
              io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Zstd: " + e.getMessage());
    }
    if (proto.hasDictionary()) {
      throw new ConfigException(
          path + ".dictionary", "is not supported: Attaché loads no zstd dictionaries");
    }
    if (proto.getStrategy()
        == io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.Strategy
            .UNRECOGNIZED) {
      throw new ConfigException(path + ".strategy", "unknown strategy");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      if (chunkSize < 4096 || chunkSize > 65536) {
        throw new ConfigException(
            path + ".chunk_size", "must be in [4096, 65536], got " + chunkSize);
      }
    }
    requireNativeZstd(path);
    int level = proto.hasCompressionLevel() ? proto.getCompressionLevel().getValue() : 0;
    if (level < 0 || level > Zstd.maxCompressionLevel()) {
      throw new ConfigException(
          path + ".compression_level",
          "must be in [0, " + Zstd.maxCompressionLevel() + "], got " + level);
    }
    return new ZstdSettings(
        level == 0 ? Zstd.defaultCompressionLevel() : level,
        proto.getEnableChecksum(),
        proto.getStrategyValue(),
        chunkSize);
  }

  /** Refuses the library, naming it, when zstd-jni has no native build for this platform. */
  static void requireNativeZstd(String path) throws ConfigException {
    try {
      Native.load();
    } catch (LinkageError e) {
      throw new ConfigException(
          path, "zstd-jni's native library does not load on this platform: " + e.getMessage());
    }
  }

  @Override
  public String encoding() {
    return "zstd";
  }

  @Override
  public String statPrefix() {
    return "zstd";
  }

  @Override
  public StreamEncoder newEncoder() {
    return new ZstdEncoder(this);
  }
}
