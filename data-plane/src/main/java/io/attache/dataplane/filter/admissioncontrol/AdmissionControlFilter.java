package io.attache.dataplane.filter.admissioncontrol;

import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The admission control filter on one stream (Envoy's {@code AdmissionControlFilter}): when enabled
 * and the window's request rate reaches {@code rps_threshold}, rejects the request with a 503 local
 * reply with Envoy's probability {@code min(max_rejection_probability, ((requests - successes /
 * sr_threshold) / (requests + 1)) ^ (1 / aggression))}, drawn from the injected random source at
 * Envoy's 4-digit accuracy; otherwise records the response as a success or failure by {@code
 * success_criteria} (a gRPC response by its {@code grpc-status}, from the trailers when the headers
 * have none). A request it rejects is not recorded. Never blocks.
 */
final class AdmissionControlFilter implements StreamFilter {
  static final String DENIED = "denied_by_admission_control";
  private static final long ACCURACY = 10_000;

  private final AdmissionControlFilterType.Shared shared;
  private final FilterFactoryContext context;
  private StreamDecoderFilterCallbacks callbacks;
  private boolean recordRequest = true;
  private boolean expectGrpcStatusInTrailers;

  AdmissionControlFilter(AdmissionControlFilterType.Shared shared, FilterFactoryContext context) {
    this.shared = shared;
    this.context = context;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    RuntimeSnapshot snapshot = context.runtime().snapshot();
    AdmissionControlConfig config = shared.config();
    if (!config.enabled(snapshot)) {
      recordRequest = false;
      return FilterHeadersStatus.CONTINUE;
    }
    long now = context.ticker().nanoTime();
    if (shared.history().averageRps(now) < (long) config.rpsThreshold().value(snapshot)) {
      return FilterHeadersStatus.CONTINUE;
    }
    if (rejects(config, snapshot, now)) {
      recordRequest = false;
      shared.stats().rqRejected().inc();
      callbacks.sendLocalReply(503, "", DENIED);
      return FilterHeadersStatus.STOP_ITERATION;
    }
    return FilterHeadersStatus.CONTINUE;
  }

  private boolean rejects(AdmissionControlConfig config, RuntimeSnapshot snapshot, long now) {
    RequestHistory.Counts counts = shared.history().counts(now);
    double threshold =
        Math.min(config.successRateThresholdPercent().value(snapshot), 100.0) / 100.0;
    double probability =
        (counts.requests() - counts.successes() / threshold) / (counts.requests() + 1.0);
    double aggression = Math.max(1.0, config.aggression().value(snapshot));
    if (aggression != 1.0) {
      probability = Math.pow(probability, 1.0 / aggression);
    }
    probability =
        Math.min(probability, config.maxRejectionProbabilityPercent().value(snapshot) / 100.0);
    return ACCURACY * Math.max(probability, 0.0) > context.random().nextLong(ACCURACY);
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (!recordRequest) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders headers = response.headers();
    if (isGrpcResponse(response, endStream)) {
      Integer status = grpcStatus(headers);
      expectGrpcStatusInTrailers = status == null;
      if (status != null) {
        record(shared.config().successCriteria().grpcSuccess(status));
      }
    } else {
      record(shared.config().successCriteria().httpSuccess(response.status().code()));
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    if (expectGrpcStatusInTrailers) {
      expectGrpcStatusInTrailers = false;
      Integer status = grpcStatus(trailers);
      record(status != null && shared.config().successCriteria().grpcSuccess(status));
    }
    return FilterTrailersStatus.CONTINUE;
  }

  private void record(boolean success) {
    (success ? shared.stats().rqSuccess() : shared.stats().rqFailure()).inc();
    shared.history().record(success, context.ticker().nanoTime());
  }

  /** Envoy's test: a trailers-only response has a grpc-status; else 200 with a gRPC type. */
  private static boolean isGrpcResponse(HttpResponse response, boolean endStream) {
    if (endStream) {
      return response.headers().contains("grpc-status");
    }
    String contentType = response.headers().get("content-type");
    return response.status().code() == 200
        && contentType != null
        && contentType.startsWith("application/grpc");
  }

  private static Integer grpcStatus(HttpHeaders headers) {
    String value = headers.get("grpc-status");
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
