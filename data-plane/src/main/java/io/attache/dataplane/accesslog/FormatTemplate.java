package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One parsed format string: literal text and {@code %COMMAND(arg):len%} operators, parsed with
 * Envoy's syntax ({@code %%} is a literal percent). Shared by text lines and JSON values.
 */
final class FormatTemplate {
  private sealed interface Segment permits Literal, Command {}

  private record Literal(String text) implements Segment {}

  private record Command(CommandOperators.Operator operator) implements Segment {}

  private final List<Segment> segments;

  private FormatTemplate(List<Segment> segments) {
    this.segments = List.copyOf(segments);
  }

  static FormatTemplate parse(String format, String fieldPath) throws ConfigException {
    List<Segment> segments = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < format.length() && format.charAt(i + 1) == '%') {
        literal.append('%');
        i += 2;
        continue;
      }
      int start = i;
      int j = i + 1;
      while (j < format.length() && isNameChar(format.charAt(j))) {
        j++;
      }
      String name = format.substring(i + 1, j);
      Optional<String> arg = Optional.empty();
      if (j < format.length() && format.charAt(j) == '(') {
        int close = format.indexOf(')', j);
        if (close < 0) {
          throw badCommand(format, start, fieldPath);
        }
        arg = Optional.of(format.substring(j + 1, close));
        j = close + 1;
      }
      int maxLength = -1;
      if (j < format.length() && format.charAt(j) == ':') {
        int digits = j + 1;
        while (digits < format.length() && Character.isDigit(format.charAt(digits))) {
          digits++;
        }
        if (digits == j + 1) {
          throw badCommand(format, start, fieldPath);
        }
        maxLength = Integer.parseInt(format.substring(j + 1, digits));
        j = digits;
      }
      if (name.isEmpty() || j >= format.length() || format.charAt(j) != '%') {
        throw badCommand(format, start, fieldPath);
      }
      if (!literal.isEmpty()) {
        segments.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      segments.add(new Command(CommandOperators.parse(name, arg, maxLength, fieldPath)));
      i = j + 1;
    }
    if (!literal.isEmpty()) {
      segments.add(new Literal(literal.toString()));
    }
    return new FormatTemplate(segments);
  }

  private static boolean isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private static ConfigException badCommand(String format, int position, String fieldPath) {
    return new ConfigException(
        fieldPath,
        "Incorrect configuration: "
            + format
            + ". Couldn't find valid command at position "
            + position);
  }

  /** The lone operator of a template such as {@code "%DURATION%"}, which JSON keeps typed. */
  Optional<CommandOperators.Operator> singleOperator() {
    if (segments.size() == 1 && segments.get(0) instanceof Command command) {
      return Optional.of(command.operator());
    }
    return Optional.empty();
  }

  /** The rendered text, with {@code absent} wherever an operator has no value. */
  String render(AccessLogEntry entry, String absent) {
    StringBuilder out = new StringBuilder(128);
    for (Segment segment : segments) {
      if (segment instanceof Literal l) {
        out.append(l.text());
      } else if (segment instanceof Command c) {
        FieldValue value = c.operator().value(entry);
        out.append(value.isAbsent() ? absent : value.text());
      }
    }
    return out.toString();
  }
}
