package io.attache.dataplane.tracing;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.type.v3.Percent;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The HCM {@code tracing} sampling knobs ({@code client_sampling}, {@code random_sampling}, {@code
 * overall_sampling}, each 100% by default) and Envoy's order of applying them: client-forced, then
 * service-forced, then the random roll; {@code overall_sampling} caps all three with the same roll.
 * Percentages are held in ten-thousandths as Envoy converts them. Immutable.
 *
 * <p>Envoy derives the roll from the {@code x-request-id} UUID and packs the reason back into it;
 * Attaché draws the roll from the injected {@link RandomSource} and leaves {@code x-request-id}
 * alone.
 */
public record SamplingPolicy(int clientSampling, int randomSampling, int overallSampling) {
  public static final String CLIENT_TRACE_ID = "x-client-trace-id";
  public static final String FORCE_TRACE = "x-envoy-force-trace";
  private static final int SCALE = 10_000;
  public static final SamplingPolicy ALWAYS = new SamplingPolicy(SCALE, SCALE, SCALE);

  static int tenThousandths(boolean present, Percent percent, String fieldPath)
      throws ConfigException {
    if (!present) {
      return SCALE;
    }
    double value = percent.getValue();
    if (!(value >= 0.0 && value <= 100.0)) {
      throw new ConfigException(fieldPath + ".value", "must be in [0, 100]");
    }
    return (int) Math.round(value * 100.0);
  }

  /**
   * Decides for one request. {@code x-envoy-force-trace} is honoured as sent: the connection
   * manager must already have removed it from external requests, as Envoy does.
   */
  public TraceReason decide(HttpHeaders requestHeaders, RandomSource random) {
    long roll = random.nextLong(SCALE);
    TraceReason reason = TraceReason.NOT_TRACEABLE;
    if (requestHeaders.contains(CLIENT_TRACE_ID) && random.nextLong(SCALE) < clientSampling) {
      reason = TraceReason.CLIENT_FORCED;
    } else if (requestHeaders.contains(FORCE_TRACE)) {
      reason = TraceReason.SERVICE_FORCED;
    } else if (roll < randomSampling) {
      reason = TraceReason.SAMPLING;
    }
    if (roll >= overallSampling) {
      reason = TraceReason.NOT_TRACEABLE;
    }
    return reason;
  }
}
