package io.attache.dataplane.filter.cache;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Instant;
import java.util.Map;

/**
 * One stored response: status, headers as the cache filter saw them, the whole body, trailers
 * (empty when none) and when it was received or last validated (Envoy's {@code response_time}).
 * Immutable: the headers are a private copy and callers get copies.
 */
record CachedResponse(
    int status, HttpHeaders headers, byte[] body, HttpHeaders trailers, Instant responseTime) {

  /** What the entry costs the store's memory bound: body, header bytes and a fixed overhead. */
  long weight() {
    long w = 128L + body.length;
    for (Map.Entry<String, String> e : headers) {
      w += e.getKey().length() + e.getValue().length() + 32;
    }
    for (Map.Entry<String, String> e : trailers) {
      w += e.getKey().length() + e.getValue().length() + 32;
    }
    return w;
  }
}
