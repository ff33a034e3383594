package io.attache.dataplane.filter.compressor;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's compressor counters, rooted at {@code http.<stat_prefix>.compressor.<library
 * name>.<library>.} ({@code gzip}, {@code brotli}, {@code zstd}): per direction ({@code request.},
 * and {@code response.} when {@code response_direction_config} is set, else the root) the common
 * ones, and at the root the ones about the request's {@code accept-encoding}.
 */
record CompressorStats(Direction request, Direction response, AcceptEncoding acceptEncoding) {

  /** The counters both directions have. */
  record Direction(
      Counter compressed,
      Counter notCompressed,
      Counter totalUncompressedBytes,
      Counter totalCompressedBytes,
      Counter contentLengthTooSmall) {
    static Direction create(StatsStore store, String p) {
      return new Direction(
          store.counter(p + "compressed"),
          store.counter(p + "not_compressed"),
          store.counter(p + "total_uncompressed_bytes"),
          store.counter(p + "total_compressed_bytes"),
          store.counter(p + "content_length_too_small"));
    }
  }

  /** The response-only counters. */
  record AcceptEncoding(
      Counter noAcceptHeader,
      Counter headerIdentity,
      Counter headerCompressorUsed,
      Counter headerCompressorOvershadowed,
      Counter headerWildcard,
      Counter headerNotValid,
      Counter notCompressedEtag) {}

  static CompressorStats create(StatsStore store, String hcmStatPrefix, CompressorConfig config) {
    String root =
        "http."
            + hcmStatPrefix
            + ".compressor."
            + config.libraryName()
            + "."
            + config.library().statPrefix()
            + ".";
    return new CompressorStats(
        Direction.create(store, root + "request."),
        Direction.create(store, config.responseDirectionSet() ? root + "response." : root),
        new AcceptEncoding(
            store.counter(root + "no_accept_header"),
            store.counter(root + "header_identity"),
            store.counter(root + "header_compressor_used"),
            store.counter(root + "header_compressor_overshadowed"),
            store.counter(root + "header_wildcard"),
            store.counter(root + "header_not_valid"),
            store.counter(root + "not_compressed_etag")));
  }
}
