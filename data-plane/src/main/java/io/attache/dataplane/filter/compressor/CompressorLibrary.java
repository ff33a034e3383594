package io.attache.dataplane.filter.compressor;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;

/**
 * A parsed {@code compressor_library} (Envoy's {@code CompressorFactory}): the content coding it
 * produces, the stat segment after {@code compressor.<name>.} and a new encoder per direction of a
 * stream. A library is immutable and shared by every stream of a listener; it must never hand the
 * same encoder to two streams.
 */
sealed interface CompressorLibrary permits GzipSettings, BrotliSettings, ZstdSettings {

  /** The {@code content-encoding} value ({@code gzip}, {@code br}, {@code zstd}). */
  String encoding();

  /** Envoy's {@code statsPrefix()} without its dot ({@code gzip}, {@code brotli}, {@code zstd}). */
  String statPrefix();

  /** A new encoder for one direction of one stream. */
  StreamEncoder newEncoder();

  /** Parses the library by its type URL; one Attaché does not build is refused naming it. */
  static CompressorLibrary from(Any typedConfig, String path) throws ConfigException {
    return switch (typedConfig.getTypeUrl()) {
      case GzipSettings.TYPE_URL -> GzipSettings.from(typedConfig, path);
      case BrotliSettings.TYPE_URL -> BrotliSettings.from(typedConfig, path);
      case ZstdSettings.TYPE_URL -> ZstdSettings.from(typedConfig, path);
      default ->
          throw new ConfigException(
              path,
              "compressor library "
                  + typedConfig.getTypeUrl()
                  + " is not supported; supported: "
                  + GzipSettings.NAME
                  + ", "
                  + BrotliSettings.NAME
                  + ", "
                  + ZstdSettings.NAME);
    };
  }
}
