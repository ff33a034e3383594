package io.attache.dataplane.filter.decompressor;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's decompressor counters, rooted at {@code http.<stat_prefix>.decompressor.<library
 * name>.gzip.}: per direction ({@code request.}, {@code response.}) the filter's own, and under
 * {@code decompressor_library.} the gzip library's {@code zlib_data_error} (the one zlib error
 * {@link java.util.zip.Inflater} can tell apart; Envoy's other {@code zlib_*} errors cannot happen
 * here).
 */
record DecompressorStats(Direction request, Direction response, Counter zlibDataError) {

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
    String root = "http." + hcmStatPrefix + ".decompressor." + config.libraryName() + ".gzip.";
    return new DecompressorStats(
        Direction.create(store, root + "request."),
        Direction.create(store, root + "response."),
        store.counter(root + "decompressor_library.zlib_data_error"));
  }
}
