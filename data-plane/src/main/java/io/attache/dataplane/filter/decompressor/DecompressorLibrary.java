package io.attache.dataplane.filter.decompressor;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import java.util.function.Supplier;

/**
 * A parsed {@code decompressor_library} (Envoy's {@code DecompressorFactory}): the content coding
 * it removes, the stat segment after {@code decompressor.<name>.}, and per listener a source of
 * decoders bound to the library's own error counters. Immutable; it must never hand the same
 * decoder to two streams.
 */
sealed interface DecompressorLibrary
    permits GunzipSettings, BrotliDecompressorSettings, ZstdDecompressorSettings {

  /** The {@code content-encoding} value ({@code gzip}, {@code br}, {@code zstd}). */
  String encoding();

  /** Envoy's {@code statsPrefix()} without its dot ({@code gzip}, {@code brotli}, {@code zstd}). */
  String statPrefix();

  /**
   * Creates the library's counters under {@code prefix} (ending in {@code decompressor_library.})
   * and returns a source of decoders that count into them, one decoder per direction of a stream.
   */
  Supplier<StreamDecoder> decoders(StatsStore store, String prefix);

  /** Parses the library by its type URL; one Attaché does not build is refused naming it. */
  static DecompressorLibrary from(Any typedConfig, String path) throws ConfigException {
    return switch (typedConfig.getTypeUrl()) {
      case GunzipSettings.TYPE_URL -> GunzipSettings.from(typedConfig, path);
      case BrotliDecompressorSettings.TYPE_URL ->
          BrotliDecompressorSettings.from(typedConfig, path);
      case ZstdDecompressorSettings.TYPE_URL -> ZstdDecompressorSettings.from(typedConfig, path);
      default ->
          throw new ConfigException(
              path,
              "decompressor library "
                  + typedConfig.getTypeUrl()
                  + " is not supported; supported: "
                  + GunzipSettings.NAME
                  + ", "
                  + BrotliDecompressorSettings.NAME
                  + ", "
                  + ZstdDecompressorSettings.NAME);
    };
  }
}
