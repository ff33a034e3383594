package io.attache.dataplane.proxy;

import static io.attache.dataplane.proxy.StreamHarness.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection manager's filter chain on virtual time, without sockets: order, stop and continue
 * with the body held, local replies, the encoder side, per-route switches, and the stream idle
 * timeout.
 */
class FilterChainTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      stream_idle_timeout: 10s
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/quiet" }
            route: { cluster: backend }
            typed_per_filter_config:
              pauser:
                "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                disabled: true
          - match: { prefix: "/" }
            route: { cluster: backend }
      """;

  private final List<String> events = new ArrayList<>();
  private StreamHarness harness;

  @AfterEach
  void releaseBuffers() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  /** A terminal filter that records what reaches it and answers 200 once the request is whole. */
  private final class Terminal implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      events.add("terminal headers " + request.uri());
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      events.add("terminal data " + data.content().toString(StandardCharsets.UTF_8));
      data.release();
      if (endStream) {
        FullHttpResponse ok =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
        callbacks.encodeHeaders(ok, true);
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
  }

  /** Stops the headers and continues {@code delay} later on the stream's scheduler. */
  private final class Pauser implements StreamDecoderFilter {
    private final Duration delay;
    private StreamDecoderFilterCallbacks callbacks;

    Pauser(Duration delay) {
      this.delay = delay;
    }

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      events.add("pauser headers");
      callbacks.scheduler().schedule(delay, callbacks::continueDecoding);
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      events.add("pauser data " + data.content().toString(StandardCharsets.UTF_8));
      return FilterDataStatus.STOP_ITERATION_AND_WATERMARK;
    }
  }

  /** Tags responses on the way out, to show encoder order. */
  private final class Tagger implements StreamFilter {
    private final String tag;

    Tagger(String tag) {
      this.tag = tag;
    }

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {}

    @Override
    public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      events.add(tag + " decode");
      return FilterHeadersStatus.CONTINUE;
    }

    @Override
    public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
      events.add(tag + " encode");
      response.headers().add("x-tag", tag);
      return FilterHeadersStatus.CONTINUE;
    }
  }

  private StreamHarness harness(FilterChainEntry... filters) throws Exception {
    harness = new StreamHarness(HCM, context -> List.of(filters));
    return harness;
  }

  private FilterChainEntry terminal() {
    return entry("terminal", callbacks -> callbacks.addStreamDecoderFilter(new Terminal()));
  }

  private static HttpRequest post(String path) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
    request.headers().set("host", "example.com").set("transfer-encoding", "chunked");
    return request;
  }

  private static HttpContent chunk(String text) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private static LastHttpContent last(String text) {
    return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  @Test
  void aStoppedFilterHoldsTheBodyUntilItContinuesThenPassesItOnInOrder() throws Exception {
    StreamHarness h =
        harness(
            entry(
                "pauser",
                callbacks -> callbacks.addStreamDecoderFilter(new Pauser(Duration.ofSeconds(2)))),
            terminal());

    h.request(post("/upload"));
    h.body(chunk("a"));
    h.body(last("b"));

    assertThat(events).containsExactly("pauser headers", "pauser data a", "pauser data b");
    assertThat(h.time.pendingDelays()).contains(Duration.ofSeconds(2));

    h.time.advance(Duration.ofMillis(1999));
    assertThat(events).hasSize(3);

    h.time.advance(Duration.ofMillis(1));
    assertThat(events)
        .containsExactly(
            "pauser headers",
            "pauser data a",
            "pauser data b",
            "terminal headers /upload",
            "terminal data a",
            "terminal data b");
    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.finished()).isTrue();
  }

  @Test
  void aRouteWithFilterConfigDisabledSkipsThatFilter() throws Exception {
    StreamHarness h =
        harness(
            entry(
                "pauser",
                callbacks -> callbacks.addStreamDecoderFilter(new Pauser(Duration.ofSeconds(2)))),
            terminal());

    h.request(post("/quiet"));
    h.body(last("x"));

    assertThat(events).containsExactly("terminal headers /quiet", "terminal data x");
    assertThat(h.downstream.status()).isEqualTo(200);
  }

  @Test
  void aFilterDisabledByDefaultRunsOnlyWhereARouteNamesIt() throws Exception {
    FilterChainEntry off =
        new FilterChainEntry(
            "tagger", "tagger", true, callbacks -> callbacks.addStreamFilter(new Tagger("tagger")));
    StreamHarness h = harness(off, terminal());

    h.request(post("/"));
    h.body(last(""));

    assertThat(events).doesNotContain("tagger decode", "tagger encode");
  }

  @Test
  void encoderFiltersSeeTheResponseInReverseChainOrder() throws Exception {
    StreamHarness h =
        harness(
            entry("outer", callbacks -> callbacks.addStreamFilter(new Tagger("outer"))),
            entry("inner", callbacks -> callbacks.addStreamFilter(new Tagger("inner"))),
            terminal());

    h.request(post("/"));
    h.body(last("x"));

    assertThat(events)
        .containsExactly(
            "outer decode",
            "inner decode",
            "terminal headers /",
            "terminal data x",
            "inner encode",
            "outer encode");
    HttpResponse written = (HttpResponse) h.downstream.written.get(0);
    assertThat(written.headers().getAll("x-tag")).containsExactly("inner", "outer");
  }

  @Test
  void aLocalReplyFromAFilterEndsTheStreamAndTheRestOfTheChainNeverRuns() throws Exception {
    StreamDecoderFilter denier =
        new StreamDecoderFilter() {
          private StreamDecoderFilterCallbacks callbacks;

          @Override
          public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
            this.callbacks = callbacks;
          }

          @Override
          public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
            callbacks.sendLocalReply(403, "no", "denied_by_test");
            return FilterHeadersStatus.STOP_ITERATION;
          }
        };
    StreamHarness h =
        harness(
            entry("deny", callbacks -> callbacks.addStreamDecoderFilter(denier)),
            entry("tagger", callbacks -> callbacks.addStreamFilter(new Tagger("tagger"))),
            terminal());

    h.request(post("/"));
    h.body(last("ignored"));

    assertThat(events).containsExactly("tagger encode");
    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.downstream.body()).isEqualTo("no");
    assertThat(h.info().responseCodeDetails()).isEqualTo("denied_by_test");
    assertThat(h.downstream.completed).isTrue();
    assertThat(h.downstream.closeRequested)
        .as("the request body was not read: the connection closes")
        .isTrue();
    assertThat(h.counter("http.ingress.downstream_rq_4xx")).isEqualTo(1);
  }

  @Test
  void aStreamWithNothingHappeningForTheIdleTimeoutIsAnswered408() throws Exception {
    StreamHarness h =
        harness(
            entry(
                "pauser",
                callbacks -> callbacks.addStreamDecoderFilter(new Pauser(Duration.ofHours(1)))),
            terminal());

    h.request(post("/upload"));
    h.time.advance(Duration.ofMillis(9_999));
    assertThat(h.downstream.status()).isZero();

    h.time.advance(Duration.ofMillis(1));
    assertThat(h.downstream.status()).isEqualTo(408);
    assertThat(h.info().hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT)).isTrue();
    assertThat(h.counter("http.ingress.downstream_rq_idle_timeout")).isEqualTo(1);
    h.time.advance(Duration.ofHours(1));
    assertThat(events).containsExactly("pauser headers");
  }

  @Test
  void aCompleteRequestNobodyAnswersForTheIdleTimeoutIsAnswered504AsInEnvoy() throws Exception {
    StreamHarness h =
        harness(
            entry(
                "pauser",
                callbacks -> callbacks.addStreamDecoderFilter(new Pauser(Duration.ofHours(1)))),
            terminal());

    h.request(post("/upload"));
    h.body(last("all of it"));
    h.time.advance(Duration.ofMillis(9_999));
    assertThat(h.downstream.status()).isZero();

    h.time.advance(Duration.ofMillis(1));
    assertThat(h.downstream.status()).isEqualTo(504);
    assertThat(h.counter("http.ingress.downstream_rq_idle_timeout")).isEqualTo(1);
  }
}
