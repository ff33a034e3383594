package io.attache.dataplane.outlier;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.api.ext.v1.StrictHalfOpenBreaker;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.time.Duration;
import java.util.Optional;

/**
 * The opt-in strict one-probe breaker of a cluster, read from {@code
 * metadata.filter_metadata["io.attache"].strict_half_open_breaker} in the JSON form of {@code
 * attache.ext.v1.StrictHalfOpenBreaker}, e.g. {@code {"failure_threshold": 5, "sleep_window":
 * "10s"}}. A stock Envoy ignores this metadata. Immutable.
 */
public record StrictBreakerConfig(int failureThreshold, Duration sleepWindow) {
  public static final String FILTER_METADATA_KEY = "io.attache";
  public static final String FIELD = "strict_half_open_breaker";

  /** Empty when the cluster's metadata does not ask for the strict breaker. */
  public static Optional<StrictBreakerConfig> fromMetadata(Metadata metadata, String fieldPath)
      throws ConfigException {
    Struct attache = metadata.getFilterMetadataMap().get(FILTER_METADATA_KEY);
    if (attache == null || !attache.containsFields(FIELD)) {
      return Optional.empty();
    }
    String path = fieldPath + ".filter_metadata[\"" + FILTER_METADATA_KEY + "\"]." + FIELD;
    Value value = attache.getFieldsOrThrow(FIELD);
    if (!value.hasStructValue()) {
      throw new ConfigException(path, "must be an object");
    }
    StrictHalfOpenBreaker.Builder proto = StrictHalfOpenBreaker.newBuilder();
    try {
      JsonFormat.parser().merge(JsonFormat.printer().print(value.getStructValue()), proto);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a StrictHalfOpenBreaker: " + e.getMessage(), e);
    }
    if (proto.getFailureThreshold() < 1) {
      throw new ConfigException(path + ".failure_threshold", "must be at least 1");
    }
    Duration sleep =
        Duration.ofSeconds(proto.getSleepWindow().getSeconds(), proto.getSleepWindow().getNanos());
    if (!proto.hasSleepWindow() || sleep.isNegative() || sleep.isZero()) {
      throw new ConfigException(path + ".sleep_window", "must be greater than 0");
    }
    return Optional.of(new StrictBreakerConfig(proto.getFailureThreshold(), sleep));
  }
}
