package io.attache.dataplane.accesslog;

import java.util.Map;
import java.util.Optional;

/**
 * Read access to one header map for the formatter: the first value of a header by lower-case name.
 * For requests it must also answer the pseudo-headers {@code :method}, {@code :path}, {@code
 * :authority} and {@code :scheme}, also on HTTP/1.1. Adapt Netty's headers with a lambda.
 */
@FunctionalInterface
public interface HeaderLookup {
  HeaderLookup EMPTY = name -> Optional.empty();

  Optional<String> first(String lowerCaseName);

  /** A lookup over a fixed map whose keys are lower-case names. */
  static HeaderLookup of(Map<String, String> headers) {
    Map<String, String> copy = Map.copyOf(headers);
    return name -> Optional.ofNullable(copy.get(name));
  }
}
