package io.attache.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessLogFormatterTest {
  static final AccessLogEntry ENTRY =
      AccessLogEntry.builder()
          .startTime(Instant.parse("2016-04-15T20:17:00.310123456Z"))
          .duration(Duration.ofNanos(57_900_000))
          .requestDuration(Duration.ofMillis(3))
          .responseDuration(Duration.ofMillis(41))
          .protocol("HTTP/1.1")
          .requestHeaders(
              HeaderLookup.of(
                  Map.of(
                      ":method", "GET",
                      ":path", "/orders/42?x=1",
                      ":authority", "orders.local",
                      "user-agent", "curl/8.5.0",
                      "x-request-id", "9c4a1bd6-2d1e-4d8b-9f0a-5d9a0c1b2e3f")))
          .responseHeaders(HeaderLookup.of(Map.of("x-envoy-upstream-service-time", "40")))
          .responseTrailers(HeaderLookup.of(Map.of("grpc-status", "0")))
          .responseCode(503)
          .responseCodeDetails("upstream_reset_before_response_started{connection_failure}")
          .responseFlags(
              ResponseFlags.of(
                  ResponseFlag.UPSTREAM_CONNECTION_FAILURE,
                  ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED))
          .bytesReceived(12)
          .bytesSent(91)
          .upstreamCluster("orders")
          .upstreamHost(new InetSocketAddress("10.0.0.7", 8080))
          .upstreamLocalAddress(new InetSocketAddress("10.0.0.2", 40512))
          .upstreamTransportFailureReason("delayed connect error: 111")
          .upstreamRequestAttemptCount(3)
          .downstreamRemoteAddress(new InetSocketAddress("::1", 51234))
          .downstreamLocalAddress(new InetSocketAddress("127.0.0.1", 15001))
          .requestedServerName("orders.mesh")
          .routeName("orders_route")
          .build();

  static final AccessLogEntry EMPTY = AccessLogEntry.builder().build();

  private static String format(String format, AccessLogEntry entry) throws ConfigException {
    return AccessLogFormatter.parse(format).format(entry);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "%START_TIME%|2016-04-15T20:17:00.310Z",
        "%START_TIME(%Y-%m-%dT%H:%M:%S%z)%|2016-04-15T20:17:00+0000",
        "%START_TIME(%s.%3f)%|1460751420.310",
        "%START_TIME(%d/%b/%Y:%T %Z %6f %E3S %j %a)%|15/Apr/2016:20:17:00 UTC 310123 00.310 106 Fri",
        "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%|GET /orders/42?x=1",
        "%REQ(:PATH):7%|/orders",
        "%REQ(USER-AGENT)%|curl/8.5.0",
        "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%|40",
        "%TRAILER(GRPC-STATUS)%|0",
        "%PROTOCOL%|HTTP/1.1",
        "%RESPONSE_CODE%|503",
        "%RESPONSE_FLAGS%|UF,URX",
        "%RESPONSE_FLAGS_LONG%|UpstreamConnectionFailure,UpstreamRetryLimitExceeded",
        "%RESPONSE_CODE_DETAILS%|upstream_reset_before_response_started{connection_failure}",
        "%BYTES_RECEIVED% %BYTES_SENT%|12 91",
        "%DURATION% %REQUEST_DURATION% %RESPONSE_DURATION%|57 3 41",
        "%UPSTREAM_HOST%|10.0.0.7:8080",
        "%UPSTREAM_CLUSTER%|orders",
        "%UPSTREAM_LOCAL_ADDRESS%|10.0.0.2:40512",
        "%UPSTREAM_TRANSPORT_FAILURE_REASON%|delayed connect error: 111",
        "%UPSTREAM_REQUEST_ATTEMPT_COUNT%|3",
        "%DOWNSTREAM_REMOTE_ADDRESS%|[::1]:51234",
        "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|::1",
        "%DOWNSTREAM_LOCAL_ADDRESS%|127.0.0.1:15001",
        "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%|127.0.0.1",
        "%REQUESTED_SERVER_NAME%|orders.mesh",
        "%ROUTE_NAME%|orders_route",
        "100%% of %REQ(:AUTHORITY)%|100% of orders.local",
      })
  void rendersEachOperatorAsEnvoyDoes(String format, String expected) throws Exception {
    assertThat(format(format, ENTRY)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "%REQ(:METHOD)%|-",
        "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%|-",
        "%PROTOCOL%|-",
        "%RESPONSE_CODE%|0",
        "%RESPONSE_FLAGS%|-",
        "%RESPONSE_CODE_DETAILS%|-",
        "%REQUEST_DURATION%|-",
        "%RESPONSE_DURATION%|-",
        "%UPSTREAM_HOST%|-",
        "%UPSTREAM_CLUSTER%|-",
        "%DOWNSTREAM_REMOTE_ADDRESS%|-",
        "%ROUTE_NAME%|-",
        "%UPSTREAM_TRANSPORT_FAILURE_REASON%|-",
      })
  void printsADashForAbsentValues(String format, String expected) throws Exception {
    assertThat(format(format, EMPTY)).isEqualTo(expected);
  }

  /** What jwt_authn with {@code payload_in_metadata: payload} leaves on a stream. */
  static final AccessLogEntry WITH_METADATA =
      AccessLogEntry.builder()
          .dynamicMetadata(
              java.util.Map.of(
                  "envoy.filters.http.jwt_authn",
                  com.google.protobuf.Struct.newBuilder()
                      .putFields(
                          "payload",
                          com.google.protobuf.Value.newBuilder()
                              .setStructValue(
                                  com.google.protobuf.Struct.newBuilder()
                                      .putFields(
                                          "sub",
                                          com.google.protobuf.Value.newBuilder()
                                              .setStringValue("alice")
                                              .build())
                                      .putFields(
                                          "exp",
                                          com.google.protobuf.Value.newBuilder()
                                              .setNumberValue(1700000000)
                                              .build()))
                              .build())
                      .build()))
          .build();

  @Test
  void dynamicMetadataPrintsStringsAsTheyAreAndOtherValuesAsJson() throws Exception {
    assertThat(
            format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:sub)%", WITH_METADATA))
        .isEqualTo("alice");
    assertThat(
            format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:exp)%", WITH_METADATA))
        .isEqualTo("1700000000");
    assertThat(format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload)%", WITH_METADATA))
        .isEqualTo("{\"sub\":\"alice\",\"exp\":1700000000}");
    assertThat(
            format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:sub):3%", WITH_METADATA))
        .isEqualTo("ali");
  }

  @Test
  void dynamicMetadataIsADashWhenTheNamespaceOrAKeyIsMissing() throws Exception {
    assertThat(
            format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:aud)%", WITH_METADATA))
        .isEqualTo("-");
    assertThat(format("%DYNAMIC_METADATA(envoy.lb:tenant)%", WITH_METADATA)).isEqualTo("-");
    assertThat(
            format("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:sub:x)%", WITH_METADATA))
        .isEqualTo("-");
  }

  @Test
  void dynamicMetadataNeedsANamespace() {
    assertThatThrownBy(() -> format("%DYNAMIC_METADATA%", EMPTY))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("needs a namespace");
    assertThatThrownBy(() -> format("%DYNAMIC_METADATA(ns::k)%", EMPTY))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("empty namespace or key");
  }

  @Test
  void omitEmptyValuesPrintsNothingForAbsentValues() throws Exception {
    assertThat(AccessLogFormatter.parse("[%UPSTREAM_HOST%]", "", true).format(EMPTY))
        .isEqualTo("[]");
  }

  @Test
  void hostnameIsTheMachinesName() throws Exception {
    assertThat(format("%HOSTNAME%", EMPTY)).isNotEmpty().isNotEqualTo("-").doesNotContain("\n");
  }

  @Test
  void defaultFormatIsEnvoysLine() {
    assertThat(AccessLogFormatter.defaultFormat().format(ENTRY))
        .isEqualTo(
            "[2016-04-15T20:17:00.310Z] \"GET /orders/42?x=1 HTTP/1.1\" 503 UF,URX 12 91 57 40"
                + " \"-\" \"curl/8.5.0\" \"9c4a1bd6-2d1e-4d8b-9f0a-5d9a0c1b2e3f\""
                + " \"orders.local\" \"10.0.0.7:8080\"\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "%NOT_AN_OPERATOR%|Not supported field in StreamInfo: NOT_AN_OPERATOR",
        "%REQ(:PATH)|Couldn't find valid command at position 0",
        "plain % text|Couldn't find valid command at position 6",
        "%REQ%|REQ needs a header name",
        "%REQ(A?B?C)%|More than 1 alternative header",
        "%PROTOCOL(x)%|PROTOCOL does not take an argument",
        "%DURATION:3%|DURATION does not take a length",
        "%START_TIME(%Q)%|unsupported START_TIME specifier '%Q'",
      })
  void rejectsBadFormatsNamingTheField(String format, String message) {
    assertThatThrownBy(() -> AccessLogFormatter.parse(format, "access_log[0].format", false))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("access_log[0].format: ")
        .hasMessageContaining(message)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("access_log[0].format");
  }
}
