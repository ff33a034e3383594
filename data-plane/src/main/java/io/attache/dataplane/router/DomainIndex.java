package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Virtual-host selection by authority, in Envoy's order: exact domain, then the longest suffix
 * wildcard ({@code *.foo.com}, {@code *-bar.foo.com}), then the longest prefix wildcard ({@code
 * foo.*}), then {@code *}. Wildcards never match the empty string. Domains are case-insensitive and
 * must be unique across the whole RouteConfiguration. Immutable after {@link Builder#build}.
 */
final class DomainIndex<T> {
  private final Map<String, T> exact;
  private final int[] suffixLengths;
  private final List<Map<String, T>> suffixes;
  private final int[] prefixLengths;
  private final List<Map<String, T>> prefixes;
  private final T catchAll;

  private DomainIndex(Builder<T> builder) {
    this.exact = Map.copyOf(builder.exact);
    this.suffixLengths = builder.suffixes.keySet().stream().mapToInt(Integer::intValue).toArray();
    this.suffixes = builder.suffixes.values().stream().map(Map::copyOf).toList();
    this.prefixLengths = builder.prefixes.keySet().stream().mapToInt(Integer::intValue).toArray();
    this.prefixes = builder.prefixes.values().stream().map(Map::copyOf).toList();
    this.catchAll = builder.catchAll;
  }

  boolean onlyCatchAll() {
    return exact.isEmpty() && suffixLengths.length == 0 && prefixLengths.length == 0;
  }

  /** The entry for an authority already lower-cased by the caller, or null. */
  T find(String host) {
    T found = exact.get(host);
    if (found != null) {
      return found;
    }
    for (int i = 0; i < suffixLengths.length; i++) {
      int length = suffixLengths[i];
      if (length < host.length()) {
        found = suffixes.get(i).get(host.substring(host.length() - length));
        if (found != null) {
          return found;
        }
      }
    }
    for (int i = 0; i < prefixLengths.length; i++) {
      int length = prefixLengths[i];
      if (length < host.length()) {
        found = prefixes.get(i).get(host.substring(0, length));
        if (found != null) {
          return found;
        }
      }
    }
    return catchAll;
  }

  static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** Collects domains, rejecting duplicates with the path of both occurrences. */
  static final class Builder<T> {
    private final Map<String, T> exact = new HashMap<>();
    // Longest wildcard first.
    private final TreeMap<Integer, Map<String, T>> suffixes = new TreeMap<>((a, b) -> b - a);
    private final TreeMap<Integer, Map<String, T>> prefixes = new TreeMap<>((a, b) -> b - a);
    private final Map<String, String> seenAt = new HashMap<>();
    private T catchAll;

    void add(String domain, T entry, String fieldPath) throws ConfigException {
      if (domain.isEmpty()) {
        throw new ConfigException(fieldPath, "domain must not be empty");
      }
      for (int i = 0; i < domain.length(); i++) {
        char c = domain.charAt(i);
        if (c < 0x20 || c == 0x7f) {
          throw new ConfigException(fieldPath, "domain contains a control character");
        }
      }
      String lower = domain.toLowerCase(Locale.ROOT);
      String previous = seenAt.putIfAbsent(lower, fieldPath);
      if (previous != null) {
        throw new ConfigException(
            fieldPath,
            "duplicate domain '"
                + lower
                + "' (already at "
                + previous
                + "); domains must be unique across virtual hosts");
      }
      if (lower.equals("*")) {
        catchAll = entry;
      } else if (lower.charAt(0) == '*') {
        suffixes
            .computeIfAbsent(lower.length() - 1, k -> new HashMap<>())
            .put(lower.substring(1), entry);
      } else if (lower.charAt(lower.length() - 1) == '*') {
        prefixes
            .computeIfAbsent(lower.length() - 1, k -> new HashMap<>())
            .put(lower.substring(0, lower.length() - 1), entry);
      } else {
        exact.put(lower, entry);
      }
    }

    DomainIndex<T> build() {
      return new DomainIndex<>(this);
    }
  }
}
