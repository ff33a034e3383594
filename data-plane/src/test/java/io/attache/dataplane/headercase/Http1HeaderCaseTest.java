package io.attache.dataplane.headercase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire case of HTTP/1.1 header names, step by step on an embedded channel: Envoy's lower case
 * default, proper_case_words, preserve_case remembering what it read (first case wins) and what the
 * proxy added, the reason phrase, and the config errors that name the field.
 */
class Http1HeaderCaseTest {
  private static final HeaderKeyFormat PROPER =
      new HeaderKeyFormat(HeaderKeyFormat.Kind.PROPER_CASE_WORDS, false, false);

  private static List<String> names(HttpHeaders h) {
    return h.entries().stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void properCaseWordsCapitalisesAfterEveryNonAlphanumeric() {
    assertThat(KeyFormatter.properCaseWords("x-foo_bar")).isEqualTo("X-Foo_Bar");
    assertThat(KeyFormatter.properCaseWords("a1b-2c")).isEqualTo("A1b-2c");
    assertThat(KeyFormatter.properCaseWords("content-type")).isEqualTo("Content-Type");
    assertThat(KeyFormatter.properCaseWords("x--y.z")).isEqualTo("X--Y.Z");
  }

  @Test
  void writesLowerCaseByDefaultAndEnvoysReasonPhrase() {
    EmbeddedChannel ch = new EmbeddedChannel(new Http1HeaderCase(HeaderKeyFormat.DEFAULT));
    HttpResponse r =
        new DefaultHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(413, "Request Entity Too Large"));
    r.headers().add("Content-Type", "text/plain").add("X-Mixed", "1").add("x-mixed", "2");
    ch.writeOutbound(r);
    HttpResponse written = ch.readOutbound();
    assertThat(names(written.headers())).containsExactly("content-type", "x-mixed", "x-mixed");
    assertThat(written.headers().getAll("x-mixed")).containsExactly("1", "2");
    assertThat(written.status().reasonPhrase()).isEqualTo("Payload Too Large");
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void anUnknownCodeGetsEnvoysUnknownPhrase() {
    EmbeddedChannel ch = new EmbeddedChannel(new Http1HeaderCase(HeaderKeyFormat.DEFAULT));
    ch.writeOutbound(
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(418)));
    io.netty.handler.codec.http.FullHttpResponse written = ch.readOutbound();
    assertThat(written.status().reasonPhrase()).isEqualTo("Unknown");
    written.release();
  }

  @Test
  void properCaseWordsFormatsWhatCarriesNoFormatterAndTrailersStayLowerCase() {
    EmbeddedChannel ch = new EmbeddedChannel(new Http1HeaderCase(PROPER));
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    r.headers().add("x-forwarded-proto", "http").add("HOST", "h");
    LastHttpContent trailers = new DefaultLastHttpContent();
    trailers.trailingHeaders().add("Grpc-Status", "0");
    ch.writeOutbound(r, trailers);
    HttpRequest written = ch.readOutbound();
    assertThat(names(written.headers())).containsExactly("X-Forwarded-Proto", "Host");
    LastHttpContent writtenTrailers = ch.readOutbound();
    assertThat(names(writtenTrailers.trailingHeaders())).containsExactly("grpc-status");
    writtenTrailers.release();
  }

  @Test
  void preserveCaseCarriesTheCaseReadAcrossToTheWriter() {
    HeaderKeyFormat preserve =
        new HeaderKeyFormat(HeaderKeyFormat.Kind.PRESERVE_CASE, false, false);
    EmbeddedChannel reader = new EmbeddedChannel(new Http1HeaderCase(preserve));
    HttpRequest read = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    read.headers().add("X-Mixed-Case", "v").add("X-DUP", "1").add("x-dup", "2");
    reader.writeInbound(read);
    HttpRequest wrapped = reader.readInbound();
    assertThat(wrapped).isInstanceOf(FormattedHttpRequest.class);
    // The proxy adds a header and re-sets one the client sent in its own case.
    wrapped.headers().add("x-forwarded-proto", "http").set("x-mixed-case", "w");

    // The writer is a proper-case codec: the carried formatter wins over its own.
    EmbeddedChannel writer = new EmbeddedChannel(new Http1HeaderCase(PROPER));
    writer.writeOutbound(wrapped);
    HttpRequest written = writer.readOutbound();
    assertThat(written.headers().entries().stream().map(e -> e.getKey() + ": " + e.getValue()))
        .containsExactly("X-DUP: 1", "X-DUP: 2", "x-forwarded-proto: http", "X-Mixed-Case: w");
  }

  @Test
  void preserveCaseForwardsTheReasonPhraseAndProperCasesWhatTheProxyAdded() {
    HeaderKeyFormat preserve = new HeaderKeyFormat(HeaderKeyFormat.Kind.PRESERVE_CASE, true, true);
    EmbeddedChannel reader = new EmbeddedChannel(new Http1HeaderCase(preserve));
    HttpResponse read =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(200, "Fine"));
    read.headers().add("CONTENT-TYPE", "text/plain");
    reader.writeInbound(read);
    HttpResponse wrapped = reader.readInbound();
    wrapped.headers().add("x-envoy-upstream-service-time", "1");

    EmbeddedChannel writer = new EmbeddedChannel(new Http1HeaderCase(HeaderKeyFormat.DEFAULT));
    writer.writeOutbound(wrapped);
    HttpResponse written = writer.readOutbound();
    assertThat(names(written.headers()))
        .containsExactly("CONTENT-TYPE", "X-Envoy-Upstream-Service-Time");
    assertThat(written.status().reasonPhrase()).isEqualTo("Fine");
  }

  @Test
  void withoutForwardReasonPhraseTheStandardPhraseGoesOut() {
    HeaderKeyFormat preserve =
        new HeaderKeyFormat(HeaderKeyFormat.Kind.PRESERVE_CASE, false, false);
    EmbeddedChannel reader = new EmbeddedChannel(new Http1HeaderCase(preserve));
    reader.writeInbound(
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(200, "Fine")));
    EmbeddedChannel writer = new EmbeddedChannel(new Http1HeaderCase(HeaderKeyFormat.DEFAULT));
    writer.writeOutbound((Object) reader.readInbound());
    HttpResponse written = writer.readOutbound();
    assertThat(written.status().reasonPhrase()).isEqualTo("OK");
  }

  // ---------------------------------------------------------------- config

  private static Http1ProtocolOptions withStateful(Any typed) {
    return Http1ProtocolOptions.newBuilder()
        .setHeaderKeyFormat(
            Http1ProtocolOptions.HeaderKeyFormat.newBuilder()
                .setStatefulFormatter(
                    TypedExtensionConfig.newBuilder()
                        .setName("preserve_case")
                        .setTypedConfig(typed)))
        .build();
  }

  @Test
  void parsesEnvoysFormats() throws ConfigException {
    assertThat(HeaderKeyFormat.fromProto(Http1ProtocolOptions.getDefaultInstance(), "h"))
        .isEqualTo(HeaderKeyFormat.DEFAULT);
    assertThat(
            HeaderKeyFormat.fromProto(
                Http1ProtocolOptions.newBuilder()
                    .setHeaderKeyFormat(
                        Http1ProtocolOptions.HeaderKeyFormat.newBuilder()
                            .setProperCaseWords(
                                Http1ProtocolOptions.HeaderKeyFormat.ProperCaseWords
                                    .getDefaultInstance()))
                    .build(),
                "h"))
        .isEqualTo(PROPER);
    assertThat(
            HeaderKeyFormat.fromProto(
                withStateful(
                    Any.pack(
                        PreserveCaseFormatterConfig.newBuilder()
                            .setForwardReasonPhrase(true)
                            .setFormatterTypeOnEnvoyHeaders(
                                PreserveCaseFormatterConfig.FormatterTypeOnEnvoyHeaders.PROPER_CASE)
                            .build())),
                "h"))
        .isEqualTo(new HeaderKeyFormat(HeaderKeyFormat.Kind.PRESERVE_CASE, true, true));
  }

  @Test
  void refusesAnEmptyFormatAndAnotherStatefulFormatterNamingTheField() {
    assertThatThrownBy(
            () ->
                HeaderKeyFormat.fromProto(
                    Http1ProtocolOptions.newBuilder()
                        .setHeaderKeyFormat(
                            Http1ProtocolOptions.HeaderKeyFormat.getDefaultInstance())
                        .build(),
                    "hcm.http_protocol_options"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("hcm.http_protocol_options.header_key_format");
    assertThatThrownBy(
            () ->
                HeaderKeyFormat.fromProto(
                    withStateful(Any.pack(StringValue.of("x"))), "hcm.http_protocol_options"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("header_key_format.stateful_formatter.typed_config")
        .hasMessageContaining("google.protobuf.StringValue");
  }
}
