package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A retired listener context is released exactly once, after its last stream and never before. */
class ActiveStreamsTest {
  private final List<String> released = new ArrayList<>();

  private static RequestSpan start(Tracer tracer) {
    return tracer.startRequestSpan(
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), "HTTP/1.1", null);
  }

  private static RequestOutcome ok() {
    return RequestOutcome.of(200, "-", 0, 0);
  }

  @Test
  void aRetiredContextWithoutStreamsIsReleasedAtOnce() {
    ActiveStreams streams = new ActiveStreams();

    streams.retire(() -> released.add("released"));

    assertThat(released).containsExactly("released");
    assertThat(streams.count()).isZero();
  }

  @Test
  void aRetiredContextIsReleasedWhenItsLastStreamFinishes() {
    ActiveStreams streams = new ActiveStreams();
    Tracer tracer = Tracer.DISABLED.countingStreamsIn(streams);
    RequestSpan first = start(tracer);
    RequestSpan second = start(tracer);
    assertThat(streams.count()).isEqualTo(2);

    streams.retire(() -> released.add("released"));
    first.finish(ok());
    assertThat(released).as("one stream still runs on it").isEmpty();
    second.finish(ok());

    assertThat(released).containsExactly("released");
    assertThat(streams.count()).isZero();
  }

  @Test
  void aSpanFinishedTwiceCountsItsStreamOnce() {
    ActiveStreams streams = new ActiveStreams();
    Tracer tracer = Tracer.DISABLED.countingStreamsIn(streams);
    RequestSpan first = start(tracer);
    RequestSpan second = start(tracer);
    streams.retire(() -> released.add("released"));

    first.finish(ok());
    first.finish(ok());

    assertThat(released).isEmpty();
    assertThat(streams.count()).isEqualTo(1);
    second.finish(ok());
    assertThat(released).containsExactly("released");
  }

  @Test
  void sampledSpansAreCountedAndStillExported() {
    ActiveStreams streams = new ActiveStreams();
    TracingConfigs.RecordingSink sink = new TracingConfigs.RecordingSink();
    Tracer tracer =
        Tracer.forConfig(
                Optional.of(TracingConfigs.parse(TracingConfigs.tracing(), OperationName.INGRESS)),
                LocalInfo.UNKNOWN,
                sink,
                io.attache.dataplane.time.RandomSource.seeded(7),
                Clock.systemUTC())
            .countingStreamsIn(streams);
    RequestSpan span = start(tracer);
    streams.retire(() -> released.add("released"));

    span.finish(ok());

    assertThat(sink.spans).hasSize(1);
    assertThat(released).containsExactly("released");
  }

  @Test
  void retiringTwiceReleasesOnce() {
    ActiveStreams streams = new ActiveStreams();
    streams.retire(() -> released.add("first"));
    streams.retire(() -> released.add("second"));

    assertThat(released).containsExactly("first");
  }

  @Test
  void anUntrackedTracerCountsNothingAndIsNeverReleased() {
    RequestSpan span = start(Tracer.DISABLED.countingStreamsIn(ActiveStreams.UNTRACKED));
    ActiveStreams.UNTRACKED.retire(() -> released.add("released"));
    span.finish(ok());

    assertThat(ActiveStreams.UNTRACKED.count()).isZero();
    assertThat(released).isEmpty();
  }
}
