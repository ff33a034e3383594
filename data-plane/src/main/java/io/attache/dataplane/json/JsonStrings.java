package io.attache.dataplane.json;

/**
 * JSON string escaping for the documents the proxy writes by hand (admin pages, JSON access logs);
 * proto documents go through JsonFormat instead. Stateless.
 */
public final class JsonStrings {
  private JsonStrings() {}

  public static void appendString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
