package io.attache.dataplane.tunnel;

import io.attache.dataplane.config.ConfigException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code tunneling_config} value ({@code hostname}, a {@code headers_to_add} value) with Envoy's
 * {@code %COMMAND%} substitutions for what a TCP connection knows: the downstream addresses and the
 * TLS server name. Parsed once; an unknown command is a config error naming the field, never a
 * literal passed on. Immutable.
 */
public final class TunnelValue {
  /** What one downstream connection supplies to the substitutions. */
  public record ConnectionValues(
      InetSocketAddress downstreamRemoteAddress,
      InetSocketAddress downstreamLocalAddress,
      String requestedServerName) {}

  private enum Command {
    DOWNSTREAM_REMOTE_ADDRESS,
    DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT,
    DOWNSTREAM_REMOTE_PORT,
    DOWNSTREAM_LOCAL_ADDRESS,
    DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT,
    DOWNSTREAM_LOCAL_PORT,
    REQUESTED_SERVER_NAME
  }

  /** A literal run (command null) or one command. */
  private record Segment(String literal, Command command) {}

  private final List<Segment> segments;

  private TunnelValue(List<Segment> segments) {
    this.segments = List.copyOf(segments);
  }

  public static TunnelValue parse(String value, String fieldPath) throws ConfigException {
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
      int end = value.indexOf('%', i + 1);
      if (end < 0) {
        throw new ConfigException(
            fieldPath, "unterminated %-command in '" + value + "' (write %% for a literal %)");
      }
      String name = value.substring(i + 1, end);
      Command command;
      try {
        command = Command.valueOf(name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            fieldPath,
            "unsupported formatter command %"
                + name
                + "% in '"
                + value
                + "'; a tunnel's values know only "
                + List.of(Command.values()));
      }
      if (literal.length() > 0) {
        segments.add(new Segment(literal.toString(), null));
        literal.setLength(0);
      }
      segments.add(new Segment(null, command));
      i = end + 1;
    }
    if (literal.length() > 0 || segments.isEmpty()) {
      segments.add(new Segment(literal.toString(), null));
    }
    return new TunnelValue(segments);
  }

  public String format(ConnectionValues values) {
    StringBuilder out = new StringBuilder();
    for (Segment segment : segments) {
      out.append(
          segment.literal() != null ? segment.literal() : evaluate(segment.command(), values));
    }
    return out.toString();
  }

  private static String evaluate(Command command, ConnectionValues values) {
    return switch (command) {
      case DOWNSTREAM_REMOTE_ADDRESS -> withPort(values.downstreamRemoteAddress());
      case DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT -> host(values.downstreamRemoteAddress());
      case DOWNSTREAM_REMOTE_PORT -> port(values.downstreamRemoteAddress());
      case DOWNSTREAM_LOCAL_ADDRESS -> withPort(values.downstreamLocalAddress());
      case DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT -> host(values.downstreamLocalAddress());
      case DOWNSTREAM_LOCAL_PORT -> port(values.downstreamLocalAddress());
      case REQUESTED_SERVER_NAME ->
          values.requestedServerName() == null ? "" : values.requestedServerName();
    };
  }

  private static String host(InetSocketAddress address) {
    if (address == null) {
      return "";
    }
    return address.getAddress() == null
        ? address.getHostString()
        : address.getAddress().getHostAddress();
  }

  private static String withPort(InetSocketAddress address) {
    if (address == null) {
      return "";
    }
    String host = host(address);
    return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host)
        + ":"
        + address.getPort();
  }

  private static String port(InetSocketAddress address) {
    return address == null ? "" : Integer.toString(address.getPort());
  }
}
