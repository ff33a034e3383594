package io.attache.dataplane.stats;

import java.util.List;

/**
 * A flat stat name split the way Envoy's default tag extractors split it: {@code
 * cluster.backend.upstream_rq_200} becomes {@code cluster.upstream_rq} with tags {@code
 * envoy.response_code=200, envoy.cluster_name=backend}. Tags keep Envoy's extraction order.
 */
public record TagExtractedName(String name, String extractedName, List<Tag> tags) {
  public TagExtractedName {
    tags = List.copyOf(tags);
  }

  /** One extracted tag, named as Envoy names it ({@code envoy.cluster_name}). */
  public record Tag(String name, String value) {}
}
