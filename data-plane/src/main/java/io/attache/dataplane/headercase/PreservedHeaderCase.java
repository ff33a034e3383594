package io.attache.dataplane.headercase;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Envoy's {@code preserve_case} stateful formatter for one message: made when the message is read,
 * it remembers the case each header name first arrived in (a later {@code foo} after {@code Foo}
 * goes out as {@code Foo} too, as in Envoy), and the reason phrase when asked to forward it. Names
 * it never saw (headers the proxy added) go out in lower case, or in proper case when {@code
 * formatter_type_on_envoy_headers} is {@code PROPER_CASE}. Used by one stream at a time; not
 * thread-safe.
 */
public final class PreservedHeaderCase implements KeyFormatter {
  private final Map<String, String> original = new HashMap<>();
  private final KeyFormatter onEnvoyHeaders;
  private String reasonPhrase = "";

  PreservedHeaderCase(KeyFormatter onEnvoyHeaders) {
    this.onEnvoyHeaders = onEnvoyHeaders;
  }

  /** Remembers {@code name} as read, unless a name equal to it ignoring case came first. */
  public void processKey(String name) {
    original.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
  }

  void setReasonPhrase(String phrase) {
    reasonPhrase = phrase;
  }

  @Override
  public String format(String lowerCaseName) {
    String seen = original.get(lowerCaseName);
    return seen != null ? seen : onEnvoyHeaders.format(lowerCaseName);
  }

  @Override
  public String reasonPhrase() {
    return reasonPhrase;
  }
}
