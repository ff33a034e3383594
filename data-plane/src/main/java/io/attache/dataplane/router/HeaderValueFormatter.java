package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A header value with Envoy's {@code %COMMAND%} substitutions, parsed once at config time. Unknown
 * commands are config errors (Envoy rejects them too). Supported: {@code
 * %DOWNSTREAM_REMOTE_ADDRESS%}, {@code %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%}, {@code
 * %DOWNSTREAM_REMOTE_PORT%}, the same three for {@code DOWNSTREAM_LOCAL_} and {@code
 * UPSTREAM_REMOTE_}, {@code %PROTOCOL%}, {@code %REQ(X?Y):Z%}, {@code %RESP(X?Y):Z%}, and {@code
 * %%} for a literal percent. As in Envoy's header formatter, an unavailable value becomes "" (not
 * "-"). {@code %REQ(:authority)%} reads {@code host}; other pseudo-headers read as absent.
 */
final class HeaderValueFormatter {
  private enum Command {
    DOWNSTREAM_REMOTE_ADDRESS,
    DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT,
    DOWNSTREAM_REMOTE_PORT,
    DOWNSTREAM_LOCAL_ADDRESS,
    DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT,
    DOWNSTREAM_LOCAL_PORT,
    UPSTREAM_REMOTE_ADDRESS,
    UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT,
    UPSTREAM_REMOTE_PORT,
    PROTOCOL,
    REQ,
    RESP
  }

  private record Segment(
      String literal, Command command, String header, String alternative, int maxLength) {}

  private final String source;
  private final List<Segment> segments;

  private HeaderValueFormatter(String source, List<Segment> segments) {
    this.source = source;
    this.segments = segments;
  }

  static HeaderValueFormatter literal(String value) {
    return new HeaderValueFormatter(value, List.of(new Segment(value, null, null, null, -1)));
  }

  static HeaderValueFormatter parse(String value, String fieldPath) throws ConfigException {
    List<Segment> segments = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < value.length() && value.charAt(i + 1) == '%') {
        literal.append('%');
        i += 2;
        continue;
      }
      int nameStart = i + 1;
      int j = nameStart;
      while (j < value.length()
          && (Character.isUpperCase(value.charAt(j))
              || Character.isDigit(value.charAt(j))
              || value.charAt(j) == '_')) {
        j++;
      }
      String name = value.substring(nameStart, j);
      String argument = null;
      int maxLength = -1;
      if (j < value.length() && value.charAt(j) == '(') {
        int close = value.indexOf(')', j);
        if (close < 0) {
          throw new ConfigException(fieldPath, "unterminated '(' in '" + value + "'");
        }
        argument = value.substring(j + 1, close);
        j = close + 1;
      }
      if (j < value.length() && value.charAt(j) == ':') {
        int digits = j + 1;
        while (digits < value.length() && Character.isDigit(value.charAt(digits))) {
          digits++;
        }
        if (digits == j + 1) {
          throw new ConfigException(fieldPath, "expected a length after ':' in '" + value + "'");
        }
        maxLength = Integer.parseInt(value.substring(j + 1, Math.min(digits, j + 10)));
        j = digits;
      }
      if (j >= value.length() || value.charAt(j) != '%') {
        throw new ConfigException(
            fieldPath,
            "invalid or unterminated %-command at offset "
                + i
                + " in '"
                + value
                + "' (write %% for a literal %)");
      }
      Command command;
      try {
        command = Command.valueOf(name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            fieldPath, "unsupported formatter command %" + name + "% in '" + value + "'");
      }
      boolean needsArgument = command == Command.REQ || command == Command.RESP;
      if (needsArgument != (argument != null)) {
        throw new ConfigException(
            fieldPath,
            "%"
                + name
                + "% "
                + (needsArgument ? "needs a header name argument" : "takes no argument"));
      }
      if (literal.length() > 0) {
        segments.add(new Segment(literal.toString(), null, null, null, -1));
        literal.setLength(0);
      }
      String header = null;
      String alternative = null;
      if (argument != null) {
        int question = argument.indexOf('?');
        header =
            (question < 0 ? argument : argument.substring(0, question))
                .toLowerCase(java.util.Locale.ROOT);
        alternative =
            question < 0
                ? null
                : argument.substring(question + 1).toLowerCase(java.util.Locale.ROOT);
        if (header.isEmpty() || (alternative != null && alternative.isEmpty())) {
          throw new ConfigException(
              fieldPath, "empty header name in %" + name + "(" + argument + ")%");
        }
      }
      segments.add(new Segment(null, command, header, alternative, maxLength));
      i = j + 1;
    }
    if (literal.length() > 0 || segments.isEmpty()) {
      segments.add(new Segment(literal.toString(), null, null, null, -1));
    }
    return new HeaderValueFormatter(value, List.copyOf(segments));
  }

  String source() {
    return source;
  }

  String format(FormatterContext context) {
    if (segments.size() == 1 && segments.get(0).literal() != null) {
      return segments.get(0).literal();
    }
    StringBuilder out = new StringBuilder();
    for (Segment segment : segments) {
      if (segment.literal() != null) {
        out.append(segment.literal());
      } else {
        out.append(evaluate(segment, context));
      }
    }
    return out.toString();
  }

  private static String evaluate(Segment segment, FormatterContext context) {
    String value =
        switch (segment.command()) {
          case DOWNSTREAM_REMOTE_ADDRESS -> withPort(context.downstreamRemoteAddress());
          case DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT ->
              withoutPort(context.downstreamRemoteAddress());
          case DOWNSTREAM_REMOTE_PORT -> port(context.downstreamRemoteAddress());
          case DOWNSTREAM_LOCAL_ADDRESS -> withPort(context.downstreamLocalAddress());
          case DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT ->
              withoutPort(context.downstreamLocalAddress());
          case DOWNSTREAM_LOCAL_PORT -> port(context.downstreamLocalAddress());
          case UPSTREAM_REMOTE_ADDRESS -> withPort(context.upstreamRemoteAddress());
          case UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT -> withoutPort(context.upstreamRemoteAddress());
          case UPSTREAM_REMOTE_PORT -> port(context.upstreamRemoteAddress());
          case PROTOCOL -> context.protocol();
          case REQ -> header(context.requestHeaders(), segment);
          case RESP -> header(context.responseHeaders(), segment);
        };
    if (segment.maxLength() >= 0 && value.length() > segment.maxLength()) {
      return value.substring(0, segment.maxLength());
    }
    return value;
  }

  private static String header(HttpHeaders headers, Segment segment) {
    String value = headers.get(headerName(segment.header()));
    if (value == null && segment.alternative() != null) {
      value = headers.get(headerName(segment.alternative()));
    }
    return value == null ? "" : value;
  }

  private static String headerName(String name) {
    return name.equals(":authority") ? "host" : name;
  }

  static String withoutPort(Optional<InetSocketAddress> address) {
    if (address.isEmpty()) {
      return "";
    }
    InetSocketAddress socket = address.get();
    return socket.getAddress() == null
        ? socket.getHostString()
        : Addresses.toText(socket.getAddress());
  }

  private static String withPort(Optional<InetSocketAddress> address) {
    if (address.isEmpty()) {
      return "";
    }
    String host = withoutPort(address);
    boolean v6 = address.get().getAddress() instanceof Inet6Address;
    return (v6 ? "[" + host + "]" : host) + ":" + address.get().getPort();
  }

  private static String port(Optional<InetSocketAddress> address) {
    return address.map(a -> Integer.toString(a.getPort())).orElse("");
  }
}
