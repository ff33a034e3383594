package io.attache.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyStatusTrackerEventsTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  /** A clock the test moves. */
  private static final class SteppedClock extends Clock {
    private Instant now = Instant.parse("2026-12-06T12:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final SteppedClock clock = new SteppedClock();
  private final List<String> events = new ArrayList<>();
  private final ProxyStatusTracker tracker =
      new ProxyStatusTracker(clock)
          .reportingTo(
              new XdsEvents() {
                @Override
                public void acked(String typeUrl, String api, Duration sincePush) {
                  events.add("ack " + api + " " + sincePush.toMillis() + " ms");
                }

                @Override
                public void nacked(String typeUrl, String api) {
                  events.add("nack " + api);
                }
              });

  private static DiscoveryRequest request(String version, String nonce, boolean nack) {
    DiscoveryRequest.Builder b =
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("sidecar~1").setCluster("web"))
            .setTypeUrl(CDS)
            .setVersionInfo(version)
            .setResponseNonce(nonce);
    if (nack) {
      b.setErrorDetail(Status.newBuilder().setMessage("bad cluster"));
    }
    return b.build();
  }

  private void push(String version, String nonce) {
    tracker.onV3StreamResponse(
        1,
        request("", "", false),
        DiscoveryResponse.newBuilder()
            .setTypeUrl(CDS)
            .setVersionInfo(version)
            .setNonce(nonce)
            .build());
  }

  @Test
  void eachPushIsReportedOnceWithTheTimeToItsAckAndEachNackIsReported() {
    tracker.onStreamOpen(1, "");
    tracker.onV3StreamRequest(1, request("", "", false));
    push("v1", "1");
    clock.advance(Duration.ofMillis(250));
    tracker.onV3StreamRequest(1, request("v1", "1", false));
    tracker.onV3StreamRequest(1, request("v1", "1", false)); // the same nonce again: not an ACK

    push("v2", "2");
    clock.advance(Duration.ofMillis(40));
    tracker.onV3StreamRequest(1, request("v1", "2", true));

    assertThat(events).containsExactly("ack sotw 250 ms", "nack sotw");
  }
}
