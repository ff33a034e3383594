package io.attache.controlplane.differential;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogLinesTest {

  private static final String ENVOY_LINE =
      "[2026-12-06T11:40:31.123Z] \"GET /secure/x?a=1 HTTP/1.1\" 301 - 0 0 1 - \"192.0.2.2\""
          + " \"diff/local-replies/3\" \"0b4c2b2e-8a7d-4b0e-9a53-2f3c6f1d7e11\" \"local\" \"-\"";

  @Test
  void splitsALineInEnvoysDefaultFormatIntoItsComparedFields() {
    Map<String, String> fields = AccessLogLines.fields(ENVOY_LINE, Map.of());

    assertThat(fields)
        .containsEntry("method", "GET")
        .containsEntry("path", "/secure/x?a=1")
        .containsEntry("protocol", "HTTP/1.1")
        .containsEntry("responseCode", "301")
        .containsEntry("responseFlags", "-")
        .containsEntry("bytesReceived", "0")
        .containsEntry("bytesSent", "0")
        .containsEntry("upstreamServiceTime", "-")
        .containsEntry("xForwardedFor", "192.0.2.2")
        .containsEntry("requestId", "<generated>")
        .containsEntry("authority", "local")
        .containsEntry("upstreamHost", "-")
        .doesNotContainKeys("startTime", "duration", "userAgent");
  }

  @Test
  void findsTheTagInTheUserAgentField() {
    assertThat(AccessLogLines.tag(ENVOY_LINE)).contains("diff/local-replies/3");
  }

  @Test
  void namesTheUpstreamHostByItsRoleAndKeepsACallersRequestIdVerbatim() {
    String line =
        "[2026-12-06T11:40:31.123Z] \"GET / HTTP/1.1\" 200 - 0 4 3 2 \"127.0.0.1\""
            + " \"diff/x/0\" \"client-id-7\" \"echo\" \"127.0.0.1:41234\"";

    Map<String, String> fields = AccessLogLines.fields(line, Map.of(41234, "echo"));

    assertThat(fields)
        .containsEntry("upstreamHost", "<echo>")
        .containsEntry("upstreamServiceTime", "<present>")
        .containsEntry("requestId", "client-id-7");
  }

  @Test
  void aLineRefusedByTheCodecHasNoTag() {
    String line =
        "[2026-12-06T11:40:31.123Z] \"- - HTTP/1.1\" 400 DPE 0 11 0 - \"-\" \"-\" \"-\" \"-\""
            + " \"-\"";

    assertThat(AccessLogLines.tag(line)).isEmpty();
    assertThat(AccessLogLines.fields(line, Map.of()))
        .containsEntry("responseCode", "400")
        .containsEntry("responseFlags", "DPE");
  }

  @Test
  void keepsALineInAnotherFormatWholeSoItIsComparedAsIs() {
    assertThat(AccessLogLines.fields("not an access log line", Map.of()))
        .containsExactly(Map.entry("unparsed", "not an access log line"));
  }
}
