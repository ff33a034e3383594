package io.attache.dataplane.healthcheck;

import static io.attache.dataplane.healthcheck.ActiveHealthCheckerTest.check;
import static io.attache.dataplane.healthcheck.ActiveHealthCheckerTest.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckConfigTest {
  private static String rejectedField(HealthCheck.Builder check) {
    try {
      HealthCheckConfig.from(check.build(), "hc");
    } catch (ConfigException e) {
      return e.fieldPath();
    }
    throw new AssertionError("accepted: " + check);
  }

  @Test
  void fillsEnvoysDefaults() throws ConfigException {
    HealthCheckConfig config = HealthCheckConfig.from(check().build(), "hc");

    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.unhealthyInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.unhealthyEdgeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.healthyEdgeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.noTrafficInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.noTrafficHealthyInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.reuseConnection()).isTrue();
    assertThat(config.initialJitter()).isEqualTo(Duration.ZERO);
    HealthCheckConfig.Http http = (HealthCheckConfig.Http) config.checker();
    assertThat(http.method()).isEqualTo("GET");
    assertThat(HealthCheckConfig.Http.in(http.expectedStatuses(), 200)).isTrue();
    assertThat(HealthCheckConfig.Http.in(http.expectedStatuses(), 204)).as("200 only").isFalse();
  }

  @Test
  void judgesStatusesByExpectedThenRetriableRanges() throws ConfigException {
    HealthCheckConfig config =
        HealthCheckConfig.from(
            check()
                .setHttpHealthCheck(
                    HealthCheck.HttpHealthCheck.newBuilder()
                        .setPath("/h")
                        .addExpectedStatuses(Int64Range.newBuilder().setStart(200).setEnd(300))
                        .addRetriableStatuses(Int64Range.newBuilder().setStart(503).setEnd(504)))
                .build(),
            "hc");
    HttpHealthProbe probe =
        new HttpHealthProbe(null, config, (HealthCheckConfig.Http) config.checker(), "backend");

    assertThat(probe.judge(204, false)).isEqualTo(ProbeOutcome.HEALTHY);
    assertThat(probe.judge(200, true)).isEqualTo(ProbeOutcome.DEGRADED);
    assertThat(probe.judge(503, false)).isEqualTo(ProbeOutcome.UNHEALTHY_RETRIABLE);
    assertThat(probe.judge(500, false)).isEqualTo(ProbeOutcome.UNHEALTHY);
  }

  @Test
  void parsesTcpPayloadsFromHexOrBinaryAndMatchesThemInOrder() throws ConfigException {
    HealthCheckConfig config =
        HealthCheckConfig.from(
            check()
                .setTcpHealthCheck(
                    HealthCheck.TcpHealthCheck.newBuilder()
                        .setSend(HealthCheck.Payload.newBuilder().setText("50494E47"))
                        .addReceive(HealthCheck.Payload.newBuilder().setText("504f"))
                        .addReceive(
                            HealthCheck.Payload.newBuilder()
                                .setBinary(com.google.protobuf.ByteString.copyFromUtf8("NG"))))
                .build(),
            "hc");
    HealthCheckConfig.Tcp tcp = (HealthCheckConfig.Tcp) config.checker();

    assertThat(new String(tcp.send(), StandardCharsets.US_ASCII)).isEqualTo("PING");
    List<byte[]> receive = tcp.receive();
    assertThat(TcpHealthProbe.matches("+PO..NG\r\n".getBytes(StandardCharsets.US_ASCII), receive))
        .isTrue();
    assertThat(TcpHealthProbe.matches("NG PO".getBytes(StandardCharsets.US_ASCII), receive))
        .as("order matters")
        .isFalse();
  }

  @Test
  void rejectsWhatCannotBeHonouredNamingTheField() {
    assertThat(rejectedField(check().clearTimeout())).isEqualTo("hc.timeout");
    assertThat(rejectedField(check().clearInterval())).isEqualTo("hc.interval");
    assertThat(rejectedField(check().clearUnhealthyThreshold()))
        .isEqualTo("hc.unhealthy_threshold");
    assertThat(rejectedField(check().setNoTrafficInterval(seconds(0))))
        .isEqualTo("hc.no_traffic_interval");
    assertThat(
            rejectedField(
                check().setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance())))
        .isEqualTo("hc.grpc_health_check");
    assertThat(
            rejectedField(
                check()
                    .setHttpHealthCheck(
                        HealthCheck.HttpHealthCheck.newBuilder()
                            .setPath("/h")
                            .addExpectedStatuses(
                                Int64Range.newBuilder().setStart(200).setEnd(700)))))
        .isEqualTo("hc.http_health_check.expected_statuses[0]");
    assertThat(
            rejectedField(
                check()
                    .setTcpHealthCheck(
                        HealthCheck.TcpHealthCheck.newBuilder()
                            .setSend(HealthCheck.Payload.newBuilder().setText("zz")))))
        .isEqualTo("hc.tcp_health_check.send.text");
    assertThat(
            rejectedField(
                check()
                    .setTcpHealthCheck(
                        HealthCheck.TcpHealthCheck.newBuilder()
                            .setProxyProtocolConfig(
                                io.envoyproxy.envoy.config.core.v3.ProxyProtocolConfig
                                    .getDefaultInstance()))))
        .isEqualTo("hc.tcp_health_check.proxy_protocol_config");
    assertThat(
            rejectedField(
                check()
                    .setHttpHealthCheck(
                        HealthCheck.HttpHealthCheck.newBuilder()
                            .setPath("/h")
                            .setCodecClientType(
                                io.envoyproxy.envoy.type.v3.CodecClientType.HTTP2))))
        .isEqualTo("hc.http_health_check.codec_client_type");
  }

  @Test
  void rejectsMoreThanOneHealthCheckAsEnvoyDoes() {
    assertThatThrownBy(
            () ->
                HealthCheckConfig.from(
                    List.of(check().build(), check().build()), "c.health_checks"))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("c.health_checks");
  }
}
