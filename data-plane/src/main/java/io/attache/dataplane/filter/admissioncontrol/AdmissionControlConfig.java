package io.attache.dataplane.filter.admissioncontrol;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.RuntimePercent;
import io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl;
import io.envoyproxy.envoy.type.v3.Int32Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One {@code envoy.filters.http.admission_control} config ({@code AdmissionControl}), parsed and
 * validated once with Envoy's rules. Its runtime-backed numbers are read per request from the
 * snapshot given, each falling back to its {@code default_value} as Envoy's runtime types do.
 * Immutable; the request history lives in {@link RequestHistory}.
 *
 * @param enabledKey {@code enabled.runtime_key}; empty when unset
 * @param enabledDefault {@code enabled.default_value}; true when {@code enabled} is unset
 * @param samplingWindowSeconds whole seconds (default 30), as Envoy truncates it
 */
record AdmissionControlConfig(
    String enabledKey,
    boolean enabledDefault,
    long samplingWindowSeconds,
    RuntimeNumber aggression,
    RuntimeNumber successRateThresholdPercent,
    RuntimeNumber rpsThreshold,
    RuntimeNumber maxRejectionProbabilityPercent,
    SuccessCriteria successCriteria) {

  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl";
  static final String FILTER_NAME = "envoy.filters.http.admission_control";

  /** A runtime-backed number: the key's value if it is one (and within range), else the default. */
  record RuntimeNumber(String runtimeKey, double defaultValue, double min, double max) {
    double value(RuntimeSnapshot snapshot) {
      if (runtimeKey.isEmpty()) {
        return defaultValue;
      }
      Optional<Double> fromRuntime =
          snapshot
              .get(runtimeKey)
              .flatMap(
                  e -> {
                    try {
                      return Optional.of(Double.parseDouble(e.raw()));
                    } catch (NumberFormatException notANumber) {
                      return Optional.empty();
                    }
                  });
      return fromRuntime.filter(v -> v >= min && v <= max).orElse(defaultValue);
    }
  }

  /** {@code success_criteria}: which HTTP statuses and gRPC codes count as successes. */
  record SuccessCriteria(List<int[]> httpRanges, List<Integer> grpcCodes) {
    /** Envoy's defaults: every non-5xx status; these gRPC codes. */
    static final List<Integer> DEFAULT_GRPC_SUCCESSES = List.of(6, 1, 9, 3, 5, 0, 11, 7, 16, 12, 2);

    boolean httpSuccess(int status) {
      if (httpRanges.isEmpty()) {
        return status < 500;
      }
      for (int[] range : httpRanges) {
        if (range[0] <= status && status < range[1]) {
          return true;
        }
      }
      return false;
    }

    boolean grpcSuccess(int code) {
      return grpcCodes.contains(code);
    }
  }

  static AdmissionControlConfig from(Any typedConfig, String path) throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(path, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(typedConfig.unpack(AdmissionControl.class), path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an AdmissionControl: " + e.getMessage());
    }
  }

  static AdmissionControlConfig from(AdmissionControl proto, String path) throws ConfigException {
    if (!proto.hasSuccessCriteria()) {
      throw new ConfigException(path + ".success_criteria", "evaluation criteria not set");
    }
    if (proto.hasEnabled() && !proto.getEnabled().hasDefaultValue()) {
      throw new ConfigException(path + ".enabled.default_value", "default_value is required");
    }
    if (proto.hasSrThreshold() && proto.getSrThreshold().getDefaultValue().getValue() < 1.0) {
      throw new ConfigException(
          path + ".sr_threshold", "success rate threshold cannot be less than 1.0%");
    }
    long windowMillis =
        proto.hasSamplingWindow()
            ? proto.getSamplingWindow().getSeconds() * 1000
                + proto.getSamplingWindow().getNanos() / 1_000_000
            : 30_000;
    if (windowMillis < 0) {
      throw new ConfigException(path + ".sampling_window", "must not be negative");
    }
    return new AdmissionControlConfig(
        proto.getEnabled().getRuntimeKey(),
        !proto.hasEnabled() || proto.getEnabled().getDefaultValue().getValue(),
        windowMillis / 1000,
        proto.hasAggression()
            ? doubleOf(proto.getAggression())
            : new RuntimeNumber("", 1.0, 0, Double.MAX_VALUE),
        percent(proto.hasSrThreshold(), proto.getSrThreshold(), 95.0, path + ".sr_threshold"),
        proto.hasRpsThreshold()
            ? new RuntimeNumber(
                proto.getRpsThreshold().getRuntimeKey(),
                Integer.toUnsignedLong(proto.getRpsThreshold().getDefaultValue()),
                0,
                0xFFFF_FFFFL)
            : new RuntimeNumber("", 0, 0, 0),
        percent(
            proto.hasMaxRejectionProbability(),
            proto.getMaxRejectionProbability(),
            80.0,
            path + ".max_rejection_probability"),
        criteria(proto.getSuccessCriteria(), path + ".success_criteria"));
  }

  private static RuntimeNumber doubleOf(RuntimeDouble proto) {
    return new RuntimeNumber(
        proto.getRuntimeKey(), proto.getDefaultValue(), -Double.MAX_VALUE, Double.MAX_VALUE);
  }

  private static RuntimeNumber percent(
      boolean present, RuntimePercent proto, double defaultPercent, String path)
      throws ConfigException {
    if (!present) {
      return new RuntimeNumber("", defaultPercent, 0, 100);
    }
    double value = proto.getDefaultValue().getValue();
    if (value < 0 || value > 100) {
      throw new ConfigException(path + ".default_value", "a percent is between 0 and 100");
    }
    return new RuntimeNumber(proto.getRuntimeKey(), value, 0, 100);
  }

  private static SuccessCriteria criteria(AdmissionControl.SuccessCriteria proto, String path)
      throws ConfigException {
    List<int[]> ranges = new ArrayList<>();
    if (proto.hasHttpCriteria()) {
      if (proto.getHttpCriteria().getHttpSuccessStatusCount() == 0) {
        throw new ConfigException(
            path + ".http_criteria.http_success_status", "at least one range is required");
      }
      for (int i = 0; i < proto.getHttpCriteria().getHttpSuccessStatusCount(); i++) {
        Int32Range r = proto.getHttpCriteria().getHttpSuccessStatus(i);
        if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() > r.getEnd()) {
          throw new ConfigException(
              path + ".http_criteria.http_success_status[" + i + "]",
              "invalid HTTP range: [" + r.getStart() + ", " + r.getEnd() + ")");
        }
        ranges.add(new int[] {r.getStart(), r.getEnd()});
      }
    }
    List<Integer> codes = SuccessCriteria.DEFAULT_GRPC_SUCCESSES;
    if (proto.hasGrpcCriteria()) {
      if (proto.getGrpcCriteria().getGrpcSuccessStatusCount() == 0) {
        throw new ConfigException(
            path + ".grpc_criteria.grpc_success_status", "at least one code is required");
      }
      codes = new ArrayList<>();
      for (int i = 0; i < proto.getGrpcCriteria().getGrpcSuccessStatusCount(); i++) {
        int code = proto.getGrpcCriteria().getGrpcSuccessStatus(i);
        if (code < 0 || code > 16) {
          throw new ConfigException(
              path + ".grpc_criteria.grpc_success_status[" + i + "]",
              "invalid gRPC code " + Integer.toUnsignedString(code));
        }
        codes.add(code);
      }
    }
    return new SuccessCriteria(List.copyOf(ranges), List.copyOf(codes));
  }

  /** {@code enabled}: the runtime key's boolean if it has one, else the default. */
  boolean enabled(RuntimeSnapshot snapshot) {
    return enabledKey.isEmpty() ? enabledDefault : snapshot.bool(enabledKey, enabledDefault);
  }
}
