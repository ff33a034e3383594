package io.attache.dataplane.filter.jwt;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One request's verification in progress: what it reads (the request headers and URI, the wall
 * clock), the keys it has, and the header changes and dynamic metadata verified tokens ask for.
 * Changes are collected and applied only when the verdict is known, so a verification paused for a
 * remote JWKS can be run again from the start without doing anything twice. Used on one event loop.
 */
final class JwtVerification {
  /**
   * A node's answer: a final status, or the name of a provider whose remote keys must be fetched
   * before it can answer.
   */
  record Outcome(JwtStatus status, String fetchProvider) {
    static Outcome of(JwtStatus status) {
      return new Outcome(status, null);
    }

    static Outcome fetch(String provider) {
      return new Outcome(null, provider);
    }

    boolean needsFetch() {
      return fetchProvider != null;
    }
  }

  final HttpHeaders headers;
  final String uri;
  final long nowSeconds;
  final Map<String, JwksCache> providers;
  private final Set<String> failedFetches;
  private final List<Consumer<HttpHeaders>> changes = new ArrayList<>();
  private final Struct.Builder extractedData = Struct.newBuilder();

  JwtVerification(
      HttpHeaders headers,
      String uri,
      long nowSeconds,
      Map<String, JwksCache> providers,
      Set<String> failedFetches) {
    this.headers = headers;
    this.uri = uri;
    this.nowSeconds = nowSeconds;
    this.providers = providers;
    this.failedFetches = new HashSet<>(failedFetches);
  }

  boolean fetchFailed(String provider) {
    return failedFetches.contains(provider);
  }

  void change(Consumer<HttpHeaders> change) {
    changes.add(change);
  }

  /**
   * Puts a verified token's payload or header under {@code field} of the filter's dynamic metadata;
   * as Envoy's {@code setExtractedData}, the first token to claim a field keeps it.
   */
  void extract(String field, Struct value) {
    if (!extractedData.containsFields(field)) {
      extractedData.putFields(field, Value.newBuilder().setStructValue(value).build());
    }
  }

  /** What verified tokens put into the dynamic metadata; empty when none asked. */
  Struct extractedData() {
    return extractedData.build();
  }

  /** Applies the collected header changes to the request. */
  void applyChanges() {
    changes.forEach(c -> c.accept(headers));
  }
}
