package io.attache.controlplane.differential;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One request as an upstream received it: which upstream (by role, so two interchangeable hosts
 * share a name), the method, the path and the selected headers with their raw values (names in
 * lower case). Raw on purpose: the {@link Differ} decides which values may legitimately differ.
 */
public record UpstreamAttempt(
    String upstream, String method, String path, SortedMap<String, String> headers) {

  public UpstreamAttempt {
    headers = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(headers));
  }

  public static UpstreamAttempt of(
      String upstream, String method, String path, Map<String, String> headers) {
    return new UpstreamAttempt(upstream, method, path, new TreeMap<>(headers));
  }
}
