package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Envoy's access-log command operators, each turned once into a small function of an {@link
 * AccessLogEntry}. Unknown operators, and arguments or {@code :Z} lengths where Envoy allows none,
 * are configuration errors. The functions run on the event loop: no I/O, no locks.
 */
final class CommandOperators {
  @FunctionalInterface
  interface Operator {
    FieldValue value(AccessLogEntry e);
  }

  private CommandOperators() {}

  static Operator parse(String name, Optional<String> arg, int maxLength, String fieldPath)
      throws ConfigException {
    switch (name) {
      case "REQ", "RESP", "TRAILER" -> {
        return headerOperator(name, arg, maxLength, fieldPath);
      }
      case "DYNAMIC_METADATA" -> {
        return DynamicMetadataOperator.parse(arg, maxLength, fieldPath);
      }
      case "START_TIME" -> {
        StartTimeFormat format =
            arg.isPresent() && !arg.get().isEmpty()
                ? StartTimeFormat.compile(arg.get(), fieldPath)
                : StartTimeFormat.DEFAULT;
        noLength(name, maxLength, fieldPath);
        return e -> FieldValue.text(format.format(e.startTime()));
      }
      default -> {
        // Every other operator takes neither an argument nor a length.
      }
    }
    if (arg.isPresent()) {
      throw new ConfigException(fieldPath, name + " does not take an argument");
    }
    noLength(name, maxLength, fieldPath);
    return switch (name) {
      case "PROTOCOL" -> e -> FieldValue.text(e.protocol());
      case "RESPONSE_CODE" -> e -> FieldValue.number(e.responseCode());
      case "RESPONSE_CODE_DETAILS" -> e -> FieldValue.text(e.responseCodeDetails());
      case "RESPONSE_FLAGS" ->
          e ->
              e.responseFlags().isEmpty()
                  ? FieldValue.ABSENT
                  : FieldValue.text(e.responseFlags().toShortString());
      case "RESPONSE_FLAGS_LONG" ->
          e ->
              e.responseFlags().isEmpty()
                  ? FieldValue.ABSENT
                  : FieldValue.text(e.responseFlags().toLongString());
      case "BYTES_RECEIVED" -> e -> FieldValue.number(e.bytesReceived());
      case "BYTES_SENT" -> e -> FieldValue.number(e.bytesSent());
      case "DURATION" -> e -> FieldValue.number(e.duration().toMillis());
      case "REQUEST_DURATION" -> e -> millis(e.requestDuration());
      case "RESPONSE_DURATION" -> e -> millis(e.responseDuration());
      case "UPSTREAM_HOST" -> e -> address(e.upstreamHost(), true);
      case "UPSTREAM_CLUSTER" -> e -> FieldValue.text(e.upstreamCluster());
      case "UPSTREAM_LOCAL_ADDRESS" -> e -> address(e.upstreamLocalAddress(), true);
      case "UPSTREAM_TRANSPORT_FAILURE_REASON" ->
          e -> FieldValue.text(e.upstreamTransportFailureReason());
      case "UPSTREAM_REQUEST_ATTEMPT_COUNT" ->
          e -> FieldValue.number(e.upstreamRequestAttemptCount());
      case "DOWNSTREAM_REMOTE_ADDRESS" -> e -> address(e.downstreamRemoteAddress(), true);
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" ->
          e -> address(e.downstreamRemoteAddress(), false);
      case "DOWNSTREAM_LOCAL_ADDRESS" -> e -> address(e.downstreamLocalAddress(), true);
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" ->
          e -> address(e.downstreamLocalAddress(), false);
      case "REQUESTED_SERVER_NAME" -> e -> FieldValue.text(e.requestedServerName());
      case "ROUTE_NAME" -> e -> FieldValue.text(e.routeName());
      case "HOSTNAME" -> {
        FieldValue host = FieldValue.text(Hostname.VALUE);
        yield e -> host;
      }
      default -> throw new ConfigException(fieldPath, "Not supported field in StreamInfo: " + name);
    };
  }

  private static Operator headerOperator(
      String name, Optional<String> arg, int maxLength, String fieldPath) throws ConfigException {
    if (arg.isEmpty() || arg.get().isEmpty()) {
      throw new ConfigException(fieldPath, name + " needs a header name, as " + name + "(X?Y):Z");
    }
    String[] alternatives = arg.get().split("\\?", -1);
    if (alternatives.length > 2
        || alternatives[0].isEmpty()
        || (alternatives.length == 2 && alternatives[1].isEmpty())) {
      throw new ConfigException(
          fieldPath, "More than 1 alternative header specified in token: " + arg.get());
    }
    String main = alternatives[0].toLowerCase(Locale.ROOT);
    Optional<String> alternative =
        alternatives.length == 2
            ? Optional.of(alternatives[1].toLowerCase(Locale.ROOT))
            : Optional.empty();
    return e -> {
      HeaderLookup headers =
          switch (name) {
            case "REQ" -> e.requestHeaders();
            case "RESP" -> e.responseHeaders();
            default -> e.responseTrailers();
          };
      Optional<String> value = headers.first(main);
      if (value.isEmpty() && alternative.isPresent()) {
        value = headers.first(alternative.get());
      }
      return value.map(v -> FieldValue.text(truncate(v, maxLength))).orElse(FieldValue.ABSENT);
    };
  }

  private static void noLength(String name, int maxLength, String fieldPath)
      throws ConfigException {
    if (maxLength >= 0) {
      throw new ConfigException(fieldPath, name + " does not take a length (:Z)");
    }
  }

  private static String truncate(String value, int maxLength) {
    return maxLength >= 0 && value.length() > maxLength ? value.substring(0, maxLength) : value;
  }

  private static FieldValue millis(Optional<Duration> d) {
    return d.map(v -> FieldValue.number(v.toMillis())).orElse(FieldValue.ABSENT);
  }

  private static FieldValue address(Optional<InetSocketAddress> address, boolean withPort) {
    if (address.isEmpty()) {
      return FieldValue.ABSENT;
    }
    InetSocketAddress a = address.get();
    // RFC 5952 text ("::1"), which is what Envoy's inet_ntop prints.
    String ip =
        a.getAddress() != null ? NetUtil.toAddressString(a.getAddress()) : a.getHostString();
    if (!withPort) {
      return FieldValue.text(ip);
    }
    return FieldValue.text((ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort());
  }

  /** The host name, read once like Envoy's gethostname() at config time. */
  private static final class Hostname {
    static final String VALUE = read();

    private static String read() {
      try {
        String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        if (!name.isEmpty()) {
          return name;
        }
      } catch (java.io.IOException | SecurityException e) {
        // Not Linux: ask the JDK instead.
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "";
      }
    }
  }
}
