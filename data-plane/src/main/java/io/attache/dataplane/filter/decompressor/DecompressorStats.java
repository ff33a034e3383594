package io.attache.dataplane.filter.decompressor;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import java.util.function.Supplier;

/**
 * Envoy's decompressor counters, rooted at {@code http.<stat_prefix>.decompressor.<library
 * name>.<library>.} ({@code gzip}, {@code brotli}, {@code zstd}): per direction ({@code request.},
 * {@code response.}) the filter's own, and under {@code decompressor_library.} the library's error
 * counters, which its decoders count into.
 *
 * @param decoders a new decoder per direction of a stream, bound to the library's counters
 */
record DecompressorStats(Direction request, Direction response, Supplier<StreamDecoder> decoders) {

  /** The counters both directions have. */
  record Direction(
      Counter decompressed,
      Counter notDecompressed,
      Counter totalUncompressedBytes,
      Counter totalCompressedBytes) {
    static Direction create(StatsStore store, String p) {
      return new Direction(
          store.counter(p + "decompressed"),
          store.counter(p + "not_decompressed"),
          store.counter(p + "total_uncompressed_bytes"),
          store.counter(p + "total_compressed_bytes"));
    }
  }

  static DecompressorStats create(
      StatsStore store, String hcmStatPrefix, DecompressorConfig config) {
    String root =
        "http."
            + hcmStatPrefix
            + ".decompressor."
            + config.libraryName()
            + "."
            + config.library().statPrefix()
            + ".";
    return new DecompressorStats(
        Direction.create(store, root + "request."),
        Direction.create(store, root + "response."),
        config.library().decoders(store, root + "decompressor_library."));
  }
}
