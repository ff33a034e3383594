package io.attache.dataplane.filter.fault;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.time.Scheduler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The fault filter on one stream: asks the listener's {@link FaultInjector} (with the route's
 * {@code HTTPFault} override, if any) whether to delay and/or abort, holds the request for the
 * delay on the stream's scheduler, and aborts with a local reply. Holds its active-fault slot until
 * the stream ends.
 */
final class FaultHttpFilter implements StreamDecoderFilter {
  private final FaultInjector injector;
  private final FilterFactoryContext context;
  private StreamDecoderFilterCallbacks callbacks;
  private FaultDecision fault = FaultDecision.NONE;
  private Scheduler.ScheduledTask delayTimer;

  FaultHttpFilter(FaultInjector injector, FilterFactoryContext context) {
    this.injector = injector;
    this.context = context;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    String cluster =
        callbacks.route() instanceof RouteDecision.Forward forward ? forward.cluster() : "";
    // The route's most specific typed_per_filter_config entry replaces the filter's config.
    fault =
        callbacks
            .perRouteConfig(HttpFaultConfig.class)
            .map(override -> injector.decide(override, request, cluster, context.random()))
            .orElseGet(() -> injector.decide(request, cluster, context.random()));
    switch (fault.kind()) {
      case ABORT -> {
        abort();
        return FilterHeadersStatus.STOP_ITERATION;
      }
      case DELAY, DELAY_THEN_ABORT -> {
        callbacks.streamInfo().addFlag(ResponseFlag.DELAY_INJECTED);
        delayTimer = callbacks.scheduler().schedule(fault.delay(), this::onDelayElapsed);
        return FilterHeadersStatus.STOP_ITERATION;
      }
      default -> {
        return FilterHeadersStatus.CONTINUE;
      }
    }
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    // While delayed, the body waits here and no more is read (the held chunk is the backpressure).
    return delayTimer == null
        ? FilterDataStatus.CONTINUE
        : FilterDataStatus.STOP_ITERATION_AND_WATERMARK;
  }

  private void onDelayElapsed() {
    delayTimer = null;
    if (fault.delayElapsed() == FaultDecision.AfterDelay.ABORT) {
      abort();
    } else {
      callbacks.continueDecoding();
    }
  }

  private void abort() {
    callbacks.streamInfo().addFlag(ResponseFlag.FAULT_INJECTED);
    FaultDecision.Abort abort = fault.abort();
    if (callbacks.grpcRequest() && abort.grpcStatus().isPresent()) {
      callbacks.sendLocalReply(
          LocalReply.grpc(
              callbacks.alloc(), abort.grpcStatus().getAsInt(), FaultDecision.ABORT_BODY),
          FaultDecision.ABORT_DETAILS);
    } else {
      callbacks.sendLocalReply(
          abort.httpStatus(), FaultDecision.ABORT_BODY, FaultDecision.ABORT_DETAILS);
    }
  }

  @Override
  public void onDestroy() {
    if (delayTimer != null) {
      delayTimer.cancel();
      delayTimer = null;
    }
    fault.streamEnded();
  }
}
