package io.attache.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

class JsonAccessLogFormatterTest {
  private static Value s(String v) {
    return Value.newBuilder().setStringValue(v).build();
  }

  private static final Struct FORMAT =
      Struct.newBuilder()
          .putFields("method", s("%REQ(:METHOD)%"))
          .putFields("code", s("%RESPONSE_CODE%"))
          .putFields("duration", s("%DURATION%"))
          .putFields("upstream", s("%UPSTREAM_HOST%"))
          .putFields("line", s("%REQ(:METHOD)% %REQ(:PATH)% %UPSTREAM_CLUSTER%"))
          .putFields("kind", s("access"))
          .putFields("version", Value.newBuilder().setNumberValue(2).build())
          .putFields(
              "net",
              Value.newBuilder()
                  .setStructValue(
                      Struct.newBuilder().putFields("peer", s("%DOWNSTREAM_REMOTE_ADDRESS%")))
                  .build())
          .build();

  @Test
  void typedJsonKeepsNumbersAndPrintsNullForAbsentValues() throws Exception {
    JsonAccessLogFormatter f = JsonAccessLogFormatter.parse(FORMAT, "p", true, false, false);
    assertThat(f.format(AccessLogFormatterTest.ENTRY))
        .isEqualTo(
            "{\"method\":\"GET\",\"code\":503,\"duration\":57,\"upstream\":\"10.0.0.7:8080\","
                + "\"line\":\"GET /orders/42?x=1 orders\",\"kind\":\"access\",\"version\":2,"
                + "\"net\":{\"peer\":\"[::1]:51234\"}}\n");
    assertThat(f.format(AccessLogFormatterTest.EMPTY))
        .isEqualTo(
            "{\"method\":null,\"code\":0,\"duration\":0,\"upstream\":null,"
                + "\"line\":\"- - -\",\"kind\":\"access\",\"version\":2,\"net\":{\"peer\":null}}\n");
  }

  @Test
  void typedJsonEmbedsDynamicMetadataStructsAndKeepsStringsStrings() throws Exception {
    Struct format =
        Struct.newBuilder()
            .putFields("sub", s("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:sub)%"))
            .putFields("jwt", s("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload)%"))
            .putFields("tenant", s("%DYNAMIC_METADATA(envoy.lb:tenant)%"))
            .build();
    JsonAccessLogFormatter f = JsonAccessLogFormatter.parse(format, "p", true, false, false);
    assertThat(f.format(AccessLogFormatterTest.WITH_METADATA))
        .isEqualTo(
            "{\"sub\":\"alice\",\"jwt\":{\"sub\":\"alice\",\"exp\":1700000000},"
                + "\"tenant\":null}\n");
  }

  @Test
  void omitEmptyValuesDropsAbsentKeys() throws Exception {
    JsonAccessLogFormatter f = JsonAccessLogFormatter.parse(FORMAT, "p", true, true, false);
    assertThat(f.format(AccessLogFormatterTest.EMPTY))
        .isEqualTo(
            "{\"code\":0,\"duration\":0,\"line\":\"  \",\"kind\":\"access\",\"version\":2,"
                + "\"net\":{}}\n");
  }

  @Test
  void legacyUntypedJsonRendersEverythingAsStrings() throws Exception {
    JsonAccessLogFormatter f = JsonAccessLogFormatter.parse(FORMAT, "p", false, false, true);
    assertThat(f.format(AccessLogFormatterTest.EMPTY))
        .isEqualTo(
            "{\"code\":\"0\",\"duration\":\"0\",\"kind\":\"access\",\"line\":\"- - -\","
                + "\"method\":\"-\",\"net\":{\"peer\":\"-\"},\"upstream\":\"-\",\"version\":2}\n");
  }

  @Test
  void escapesHeaderValues() throws Exception {
    JsonAccessLogFormatter f =
        JsonAccessLogFormatter.parse(
            Struct.newBuilder().putFields("ua", s("%REQ(USER-AGENT)%")).build(),
            "p",
            true,
            false,
            false);
    AccessLogEntry entry =
        AccessLogEntry.builder()
            .requestHeaders(HeaderLookup.of(java.util.Map.of("user-agent", "a\"b\\c\u0001")))
            .build();
    assertThat(f.format(entry)).isEqualTo("{\"ua\":\"a\\\"b\\\\c\\u0001\"}\n");
  }

  @Test
  void rejectsListsAndBadOperatorsNamingTheKey() {
    Struct list =
        Struct.newBuilder()
            .putFields("l", Value.newBuilder().setListValue(ListValue.getDefaultInstance()).build())
            .build();
    assertThatThrownBy(
            () -> JsonAccessLogFormatter.parse(list, "log_format.json_format", true, false, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("log_format.json_format.l: ");
    Struct bad = Struct.newBuilder().putFields("x", s("%NOPE%")).build();
    assertThatThrownBy(
            () -> JsonAccessLogFormatter.parse(bad, "log_format.json_format", true, false, false))
        .hasMessage("log_format.json_format.x: Not supported field in StreamInfo: NOPE");
  }
}
