package io.attache.dataplane.filter.compressor;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli;

/**
 * {@code envoy.compression.brotli.compressor} on brotli4j (Google's brotli through JNI, the binding
 * Netty's brotli codec uses): {@code quality} (default 3), {@code window_bits} (default 18) and
 * {@code encoder_mode} map one to one ({@code DEFAULT} is brotli's {@code GENERIC}); {@code
 * chunk_size} (default 4096) is how many bytes go to the native encoder at a time. brotli4j does
 * not expose {@code BROTLI_PARAM_LGBLOCK} nor {@code
 * BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING}: {@code input_block_bits} and {@code
 * disable_literal_context_modeling: true} are refused naming the field, so the input block is
 * brotli's own choice (which below quality 4 is Envoy's too). Refuses the config when the native
 * library cannot load on this platform. Immutable.
 */
record BrotliSettings(int quality, int windowBits, Encoder.Mode mode, int chunkSize)
    implements CompressorLibrary {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli";
  static final String NAME = "envoy.compression.brotli.compressor";

  static BrotliSettings from(Any typedConfig, String path) throws ConfigException {
    Brotli proto;
    try {
      proto = typedConfig.unpack(Brotli.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Brotli: " + e.getMessage());
    }
    int quality = 3;
    if (proto.hasQuality()) {
      quality = proto.getQuality().getValue();
      requireRange(quality, 0, 11, path + ".quality");
    }
    int windowBits = 18;
    if (proto.hasWindowBits()) {
      windowBits = proto.getWindowBits().getValue();
      requireRange(windowBits, 10, 24, path + ".window_bits");
    }
    if (proto.hasInputBlockBits()) {
      throw new ConfigException(
          path + ".input_block_bits",
          "is not supported: brotli4j does not expose BROTLI_PARAM_LGBLOCK");
    }
    if (proto.getDisableLiteralContextModeling()) {
      throw new ConfigException(
          path + ".disable_literal_context_modeling",
          "true is not supported: brotli4j does not expose"
              + " BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING");
    }
    int chunkSize = 4096;
    if (proto.hasChunkSize()) {
      chunkSize = proto.getChunkSize().getValue();
      requireRange(chunkSize, 4096, 65536, path + ".chunk_size");
    }
    Encoder.Mode mode =
        switch (proto.getEncoderMode()) {
          case DEFAULT, GENERIC -> Encoder.Mode.GENERIC;
          case TEXT -> Encoder.Mode.TEXT;
          case FONT -> Encoder.Mode.FONT;
          case UNRECOGNIZED -> throw new ConfigException(path + ".encoder_mode", "unknown mode");
        };
    requireNativeBrotli(path);
    return new BrotliSettings(quality, windowBits, mode, chunkSize);
  }

  /** Refuses the library, naming it, when brotli4j has no native build for this platform. */
  static void requireNativeBrotli(String path) throws ConfigException {
    if (!Brotli4jLoader.isAvailable()) {
      throw new ConfigException(
          path,
          "brotli4j's native library does not load on this platform: "
              + Brotli4jLoader.getUnavailabilityCause());
    }
  }

  private static void requireRange(int value, int min, int max, String path)
      throws ConfigException {
    if (value < min || value > max) {
      throw new ConfigException(path, "must be in [" + min + ", " + max + "], got " + value);
    }
  }

  @Override
  public String encoding() {
    return "br";
  }

  @Override
  public String statPrefix() {
    return "brotli";
  }

  @Override
  public StreamEncoder newEncoder() {
    return new BrotliEncoder(this);
  }
}
