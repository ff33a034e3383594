package io.attache.controlplane.rest;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.xds.ProxyStatusTracker;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The paging and trimming rules of {@code GET /api/v1/proxies}, Google API style (AIP-158): {@code
 * page_size} (default {@value #DEFAULT_PAGE_SIZE}, larger values lowered to {@value
 * #MAX_PAGE_SIZE}), an opaque {@code page_token} that is the previous page's {@code
 * next_page_token}, and metadata cut down to the keys Attaché reads unless {@code full=true}. A
 * token is only a position in the ordering of proxies, so it never expires; it grants nothing.
 */
final class ProxyPages {

  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 500;

  /** Node metadata keys under this prefix are Attaché's own (see docs/control-plane.md). */
  static final String ATTACHE_KEYS = "attache.";

  /** A trimmed list shows at most this much of any one string value. */
  static final int TRIMMED_STRING_CHARS = 256;

  private static final String TOKEN_VERSION = "p1";

  private ProxyPages() {}

  static int pageSize(String parameter) throws PolicyRejection {
    if (parameter == null || parameter.isEmpty()) {
      return DEFAULT_PAGE_SIZE;
    }
    int size;
    try {
      size = Integer.parseInt(parameter);
    } catch (NumberFormatException e) {
      throw invalid("page_size", "must be a whole number, not '" + echoed(parameter) + "'");
    }
    if (size < 0) {
      throw invalid("page_size", "must not be negative");
    }
    return size == 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  }

  static boolean full(String parameter) throws PolicyRejection {
    if (parameter == null || parameter.equals("false")) {
      return false;
    }
    if (parameter.equals("true")) {
      return true;
    }
    throw invalid("full", "must be true or false, not '" + echoed(parameter) + "'");
  }

  static String token(ProxyStatusTracker.Cursor cursor) {
    String plain =
        String.join(
            "\n",
            TOKEN_VERSION,
            Long.toString(cursor.streamId()),
            Long.toString(cursor.connectedSince().getEpochSecond()),
            Integer.toString(cursor.connectedSince().getNano()),
            cursor.nodeId());
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  static Optional<ProxyStatusTracker.Cursor> cursor(String token) throws PolicyRejection {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = plain.split("\n", 5);
      if (parts.length != 5 || !parts[0].equals(TOKEN_VERSION)) {
        throw notAToken();
      }
      return Optional.of(
          new ProxyStatusTracker.Cursor(
              parts[4],
              Instant.ofEpochSecond(Long.parseLong(parts[2]), Integer.parseInt(parts[3])),
              Long.parseLong(parts[1])));
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw notAToken();
    }
  }

  /** Attaché's own keys, long strings cut short: what a list needs, bounded per proxy. */
  static Struct trimmed(Struct metadata) {
    Struct.Builder trimmed = Struct.newBuilder();
    for (Map.Entry<String, Value> field : metadata.getFieldsMap().entrySet()) {
      if (!field.getKey().startsWith(ATTACHE_KEYS)) {
        continue;
      }
      Value value = field.getValue();
      if (value.hasStructValue() || value.hasListValue()) {
        continue;
      }
      if (value.hasStringValue() && value.getStringValue().length() > TRIMMED_STRING_CHARS) {
        value =
            Value.newBuilder()
                .setStringValue(value.getStringValue().substring(0, TRIMMED_STRING_CHARS) + "…")
                .build();
      }
      trimmed.putFields(field.getKey(), value);
    }
    return trimmed.build();
  }

  private static PolicyRejection notAToken() {
    return invalid("page_token", "is not a next_page_token this API returned");
  }

  private static PolicyRejection invalid(String field, String message) {
    return new PolicyRejection(PolicyRejection.Reason.INVALID, field, message);
  }

  private static String echoed(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
