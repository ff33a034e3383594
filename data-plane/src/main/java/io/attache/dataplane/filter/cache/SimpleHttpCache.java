package io.attache.dataplane.filter.cache;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code envoy.extensions.http.cache.simple}: responses in memory, one per key and {@code vary}
 * variant. Unlike Envoy's simple cache, which grows without bound, this one holds at most {@code
 * capacityBytes} (bodies, headers and a fixed overhead per entry) and evicts the least recently
 * used entries to make room; an entry larger than the whole capacity is not stored. Shared by every
 * event loop, so every method is synchronized and short; it never blocks on anything else.
 */
final class SimpleHttpCache {
  /** The bound when nothing says otherwise: SimpleHttpCacheConfig has no field for one. */
  static final long DEFAULT_CAPACITY_BYTES = 64L << 20;

  private final long capacityBytes;
  private final LinkedHashMap<String, CachedResponse> entries =
      new LinkedHashMap<>(64, 0.75f, true);

  /** The {@code vary} header names of the latest response stored under a base key. */
  private final Map<String, Set<String>> varyByBaseKey = new HashMap<>();

  private long usedBytes;

  SimpleHttpCache(long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  /** What a lookup found: the entry and the key it is stored under, or a miss. */
  record Lookup(String key, CachedResponse entry) {
    static final Lookup MISS = new Lookup(null, null);
  }

  /**
   * The entry for {@code baseKey} and the request's values of the headers its response varies on; a
   * miss when there is none, or the stored response varies on a header {@code allowedVary} no
   * longer allows.
   */
  synchronized Lookup lookup(String baseKey, HttpHeaders request, Predicate<String> allowedVary) {
    Set<String> vary = varyByBaseKey.get(baseKey);
    String key = baseKey;
    if (vary != null) {
      for (String name : vary) {
        if (!allowedVary.test(name)) {
          return Lookup.MISS;
        }
      }
      key = baseKey + '\n' + Vary.identifier(vary, request);
    }
    CachedResponse entry = entries.get(key);
    return entry == null ? Lookup.MISS : new Lookup(key, entry);
  }

  /** Stores a response for {@code baseKey}, as a variant when it has a {@code vary}. */
  synchronized void insert(String baseKey, HttpHeaders request, CachedResponse response) {
    Set<String> vary = Vary.names(response.headers());
    String key = baseKey;
    if (vary.isEmpty()) {
      varyByBaseKey.remove(baseKey);
    } else {
      varyByBaseKey.put(baseKey, vary);
      key = baseKey + '\n' + Vary.identifier(vary, request);
    }
    put(key, response);
  }

  /** Replaces the entry stored under {@code key} (after a validation), if it is still there. */
  synchronized void update(String key, CachedResponse response) {
    if (entries.containsKey(key)) {
      put(key, response);
    }
  }

  synchronized long usedBytes() {
    return usedBytes;
  }

  synchronized int size() {
    return entries.size();
  }

  private void put(String key, CachedResponse response) {
    long weight = response.weight() + key.length();
    CachedResponse old = entries.remove(key);
    if (old != null) {
      usedBytes -= old.weight() + key.length();
    }
    if (weight > capacityBytes) {
      return;
    }
    Iterator<Map.Entry<String, CachedResponse>> eldest = entries.entrySet().iterator();
    while (usedBytes + weight > capacityBytes && eldest.hasNext()) {
      Map.Entry<String, CachedResponse> e = eldest.next();
      usedBytes -= e.getValue().weight() + e.getKey().length();
      eldest.remove();
    }
    entries.put(key, response);
    usedBytes += weight;
  }
}
