package io.attache.controlplane.differential;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits an access-log line in Envoy's default format into its fields and takes out what two
 * correct data planes legitimately disagree on: the start time and the durations are dropped,
 * {@code %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%} is kept as present or {@code -}, a generated
 * (UUID-shaped) request id becomes {@code <generated>}, and {@code %UPSTREAM_HOST%} becomes the
 * upstream's role (its port changes from run to run). Never drops a field it was not told to.
 */
final class AccessLogLines {

  /**
   * Envoy's default format: {@code [%START_TIME%] "%REQ(:METHOD)%
   * %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
   * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
   * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
   * "%UPSTREAM_HOST%"}.
   */
  private static final Pattern DEFAULT_FORMAT =
      Pattern.compile(
          "^\\[(?<startTime>[^\\]]*)\\] \"(?<method>\\S*) (?<path>\\S*) (?<protocol>\\S*)\""
              + " (?<responseCode>\\S+) (?<responseFlags>\\S+) (?<bytesReceived>\\S+)"
              + " (?<bytesSent>\\S+) (?<duration>\\S+) (?<upstreamServiceTime>\\S+)"
              + " \"(?<xForwardedFor>[^\"]*)\" \"(?<userAgent>[^\"]*)\" \"(?<requestId>[^\"]*)\""
              + " \"(?<authority>[^\"]*)\" \"(?<upstreamHost>[^\"]*)\"$");

  private static final String[] COMPARED = {
    "method",
    "path",
    "protocol",
    "responseCode",
    "responseFlags",
    "bytesReceived",
    "bytesSent",
    "xForwardedFor",
    "authority"
  };

  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private AccessLogLines() {}

  /** The tag ({@code %REQ(USER-AGENT)%}) of a line, when it parses and has one. */
  static Optional<String> tag(String line) {
    Matcher m = DEFAULT_FORMAT.matcher(line);
    return m.matches() && !m.group("userAgent").equals("-")
        ? Optional.of(m.group("userAgent"))
        : Optional.empty();
  }

  /** The compared fields of one line, by their format names; {@code unparsed} if it is not one. */
  static Map<String, String> fields(String line, Map<Integer, String> roleByPort) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = DEFAULT_FORMAT.matcher(line);
    if (!m.matches()) {
      out.put("unparsed", line);
      return out;
    }
    for (String field : COMPARED) {
      out.put(field, m.group(field));
    }
    out.put("upstreamServiceTime", m.group("upstreamServiceTime").equals("-") ? "-" : "<present>");
    String id = m.group("requestId");
    out.put("requestId", UUID.matcher(id).matches() ? "<generated>" : id);
    out.put("upstreamHost", role(m.group("upstreamHost"), roleByPort));
    return out;
  }

  private static String role(String hostPort, Map<Integer, String> roleByPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return hostPort;
    }
    try {
      String role = roleByPort.get(Integer.parseInt(hostPort.substring(colon + 1)));
      return role == null ? hostPort : "<" + role + ">";
    } catch (NumberFormatException notAPort) {
      return hostPort;
    }
  }
}
