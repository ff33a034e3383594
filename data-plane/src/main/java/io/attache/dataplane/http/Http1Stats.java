package io.attache.dataplane.http;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * The counters this package moves, under Envoy's names: the HCM tree {@code http.<stat_prefix>.}
 * and the codec tree {@code http1.}. Looked up once per listener config, then shared by all its
 * connections (counters are thread-safe).
 */
public final class Http1Stats {
  final Counter downstreamCxProtocolError;
  final Counter downstreamRq1xx;
  final Counter downstreamRq4xx;
  final Counter downstreamRq5xx;
  final Counter downstreamRqHeaderTimeout;
  final Counter requestsRejectedWithUnderscoresInHeaders;
  final Counter droppedHeadersWithUnderscores;

  public Http1Stats(StatsStore store, String statPrefix) {
    String hcm = "http." + statPrefix + ".";
    downstreamCxProtocolError = store.counter(hcm + "downstream_cx_protocol_error");
    downstreamRq1xx = store.counter(hcm + "downstream_rq_1xx");
    downstreamRq4xx = store.counter(hcm + "downstream_rq_4xx");
    downstreamRq5xx = store.counter(hcm + "downstream_rq_5xx");
    downstreamRqHeaderTimeout = store.counter(hcm + "downstream_rq_header_timeout");
    requestsRejectedWithUnderscoresInHeaders =
        store.counter("http1.requests_rejected_with_underscores_in_headers");
    droppedHeadersWithUnderscores = store.counter("http1.dropped_headers_with_underscores");
  }

  void recordRejection(RejectReason reason) {
    if (reason.isProtocolError()) {
      downstreamCxProtocolError.inc();
    }
    if (reason == RejectReason.REQUEST_HEADER_TIMEOUT) {
      downstreamRqHeaderTimeout.inc();
    }
    if (reason == RejectReason.UNDERSCORE_IN_HEADER_NAME) {
      requestsRejectedWithUnderscoresInHeaders.inc();
    }
    recordStatus(reason.status());
  }

  /** A refusal that could not be answered because a response was already on its way. */
  void recordUnansweredProtocolError(RejectReason reason) {
    if (reason.isProtocolError()) {
      downstreamCxProtocolError.inc();
    }
  }

  void recordStatus(HttpResponseStatus status) {
    HttpStatusClass statusClass = status.codeClass();
    switch (statusClass) {
      case INFORMATIONAL -> downstreamRq1xx.inc();
      case CLIENT_ERROR -> downstreamRq4xx.inc();
      case SERVER_ERROR -> downstreamRq5xx.inc();
      default -> {}
    }
  }
}
