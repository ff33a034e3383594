package io.attache.bench.controlplane;

/**
 * One line the simulated-proxies process writes on its stdout for the harness: {@code READY <n>}
 * (every proxy has ACKed its initial config), {@code ARMED} (a round may start), {@code DONE
 * <nanos>} (every proxy ACKed the round's route configuration; the {@code System.nanoTime()} of the
 * last ACK), or {@code FAILED <reason>}. Lines of any other shape are {@link Kind#OTHER}, so stray
 * output never passes for a result.
 */
public record ChildMessage(Kind kind, long value, String text) {

  /** What the line announces. */
  public enum Kind {
    READY,
    ARMED,
    DONE,
    FAILED,
    OTHER
  }

  public static ChildMessage ready(int proxies) {
    return new ChildMessage(Kind.READY, proxies, "");
  }

  public static ChildMessage armed() {
    return new ChildMessage(Kind.ARMED, 0, "");
  }

  public static ChildMessage done(long lastAckNanos) {
    return new ChildMessage(Kind.DONE, lastAckNanos, "");
  }

  public static ChildMessage failed(String reason) {
    return new ChildMessage(Kind.FAILED, 0, reason.replace('\n', ' '));
  }

  public static ChildMessage parse(String line) {
    String trimmed = line.strip();
    int space = trimmed.indexOf(' ');
    String head = space < 0 ? trimmed : trimmed.substring(0, space);
    String rest = space < 0 ? "" : trimmed.substring(space + 1).strip();
    try {
      return switch (head) {
        case "READY" -> ready(Integer.parseInt(rest));
        case "ARMED" -> rest.isEmpty() ? armed() : other(line);
        case "DONE" -> done(Long.parseLong(rest));
        case "FAILED" -> failed(rest);
        default -> other(line);
      };
    } catch (NumberFormatException e) {
      return other(line);
    }
  }

  private static ChildMessage other(String line) {
    return new ChildMessage(Kind.OTHER, 0, line);
  }

  /** The line as written on the wire. */
  public String line() {
    return switch (kind) {
      case READY, DONE -> kind + " " + value;
      case ARMED -> "ARMED";
      case FAILED -> "FAILED " + text;
      case OTHER -> text;
    };
  }
}
