package io.attache.dataplane.filter.fault;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code HTTPFault.delay}: a fixed delay or one read (in milliseconds) from {@code
 * x-envoy-fault-delay-request}, applied to {@code percentage} of requests. Immutable.
 */
record FaultDelayConfig(Source source, Duration fixedDelay, FaultPercentage percentage) {
  /** Where the delay comes from: the {@code fault_delay_secifier} oneof. */
  enum Source {
    FIXED_DELAY,
    HEADER_DELAY
  }

  static FaultDelayConfig from(FaultDelay proto, String fieldPath) throws ConfigException {
    FaultPercentage percentage =
        FaultPercentage.from(
            proto.hasPercentage(), proto.getPercentage(), fieldPath + ".percentage");
    switch (proto.getFaultDelaySecifierCase()) {
      case FIXED_DELAY:
        com.google.protobuf.Duration d = proto.getFixedDelay();
        if (d.getSeconds() < 0 || d.getNanos() < 0 || (d.getSeconds() == 0 && d.getNanos() == 0)) {
          throw new ConfigException(fieldPath + ".fixed_delay", "must be greater than 0");
        }
        // Envoy keeps whole milliseconds of the configured delay.
        Duration delay =
            Duration.ofMillis(Duration.ofSeconds(d.getSeconds(), d.getNanos()).toMillis());
        return new FaultDelayConfig(Source.FIXED_DELAY, delay, percentage);
      case HEADER_DELAY:
        return new FaultDelayConfig(Source.HEADER_DELAY, Duration.ZERO, percentage);
      default:
        throw new ConfigException(
            fieldPath, "exactly one of fixed_delay, header_delay is required");
    }
  }

  FaultPercentage percentage(HttpHeaders headers) {
    if (source != Source.HEADER_DELAY) {
      return percentage;
    }
    OptionalLong header = FaultHeaders.uint32(headers, FaultHeaders.DELAY_REQUEST_PERCENTAGE);
    return header.isPresent() ? percentage.cappedAt(header.getAsLong()) : percentage;
  }

  /**
   * The delay for this request; empty (no delay) when it would be zero or the header is unusable.
   */
  Optional<Duration> delayFor(HttpHeaders headers) {
    Duration delay;
    if (source == Source.FIXED_DELAY) {
      delay = fixedDelay;
    } else {
      OptionalLong millis = FaultHeaders.uint64(headers, FaultHeaders.DELAY_REQUEST);
      if (millis.isEmpty()) {
        return Optional.empty();
      }
      delay = Duration.ofMillis(millis.getAsLong());
    }
    return delay.isZero() ? Optional.empty() : Optional.of(delay);
  }
}
