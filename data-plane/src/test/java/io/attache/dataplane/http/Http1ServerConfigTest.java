package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.Test;

/** Reading the HCM's HTTP/1 fields with Envoy's defaults and bounds. */
class Http1ServerConfigTest {
  private static final String PATH = "listeners[0].filter_chains[0].filters[0].typed_config";

  private static HttpConnectionManager.Builder hcm() {
    return HttpConnectionManager.newBuilder().setStatPrefix("ingress");
  }

  @Test
  void usesEnvoysDefaultsForAnEmptyHcm() throws ConfigException {
    Http1ServerConfig config = Http1ServerConfig.fromProto(hcm().build(), PATH);

    assertThat(config.statPrefix()).isEqualTo("ingress");
    assertThat(config.limits().maxRequestHeadersKb()).isEqualTo(60);
    assertThat(config.limits().maxHeadersCount()).isEqualTo(100);
    assertThat(config.limits().hasRequestHeadersTimeout()).isFalse();
    assertThat(config.settings()).isEqualTo(Http1Settings.DEFAULTS);
    assertThat(config.settings().allowAbsoluteUrl()).isTrue();
    assertThat(config.settings().acceptHttp10()).isFalse();
  }

  @Test
  void readsEveryHonouredField() throws ConfigException {
    HttpConnectionManager proto =
        hcm()
            .setMaxRequestHeadersKb(UInt32Value.of(8))
            .setRequestHeadersTimeout(Duration.newBuilder().setSeconds(2).setNanos(500_000_000))
            .setProxy100Continue(true)
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    .setMaxHeadersCount(UInt32Value.of(20))
                    .setMaxRequestsPerConnection(UInt32Value.of(7))
                    .setHeadersWithUnderscoresAction(
                        HttpProtocolOptions.HeadersWithUnderscoresAction.DROP_HEADER))
            .setHttpProtocolOptions(
                Http1ProtocolOptions.newBuilder()
                    .setAllowAbsoluteUrl(BoolValue.of(false))
                    .setAcceptHttp10(true)
                    .setDefaultHostForHttp10("legacy")
                    .setAllowChunkedLength(true)
                    .setEnableTrailers(true))
            .build();

    Http1ServerConfig config = Http1ServerConfig.fromProto(proto, PATH);

    assertThat(config.limits().maxRequestHeadersBytes()).isEqualTo(8192);
    assertThat(config.limits().maxInitialLineLength()).isEqualTo(8192);
    assertThat(config.limits().maxHeadersCount()).isEqualTo(20);
    assertThat(config.limits().maxRequestsPerConnection()).isEqualTo(7);
    assertThat(config.limits().requestHeadersTimeout())
        .isEqualTo(java.time.Duration.ofMillis(2500));
    assertThat(config.settings())
        .isEqualTo(
            new Http1Settings(
                false, true, "legacy", true, true, true, HeadersWithUnderscoresAction.DROP_HEADER));
  }

  @Test
  void rejectsMaxRequestHeadersKbOutsideEnvoysRange() {
    assertThatThrownBy(
            () ->
                Http1ServerConfig.fromProto(
                    hcm().setMaxRequestHeadersKb(UInt32Value.of(0)).build(), PATH))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(PATH + ".max_request_headers_kb");
    assertThatThrownBy(
            () ->
                Http1ServerConfig.fromProto(
                    hcm().setMaxRequestHeadersKb(UInt32Value.of(8193)).build(), PATH))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void rejectsAZeroMaxHeadersCount() {
    HttpConnectionManager proto =
        hcm()
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder().setMaxHeadersCount(UInt32Value.of(0)))
            .build();

    assertThatThrownBy(() -> Http1ServerConfig.fromProto(proto, PATH))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(PATH + ".common_http_protocol_options.max_headers_count");
  }

  @Test
  void rejectsANegativeRequestHeadersTimeout() {
    HttpConnectionManager proto =
        hcm().setRequestHeadersTimeout(Duration.newBuilder().setSeconds(-1)).build();

    assertThatThrownBy(() -> Http1ServerConfig.fromProto(proto, PATH))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(PATH + ".request_headers_timeout");
  }

  @Test
  void rejectsAnEmptyStatPrefix() {
    assertThatThrownBy(
            () -> Http1ServerConfig.fromProto(HttpConnectionManager.getDefaultInstance(), PATH))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(PATH + ".stat_prefix");
  }
}
