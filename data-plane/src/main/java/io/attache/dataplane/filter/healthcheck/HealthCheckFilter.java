package io.attache.dataplane.filter.healthcheck;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.LocalServer;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.stats.StatsStore;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code envoy.filters.http.health_check} on one stream (Envoy's {@code HealthCheckFilter}): a
 * request matching {@code headers} is a health check. Outside pass-through mode the filter answers
 * it once the request is whole: 503 while the proxy fails health checks ({@code /healthcheck/fail},
 * draining), 503 when a cluster of {@code cluster_min_healthy_percentages} is missing, empty or has
 * too few healthy-or-degraded hosts, else 200. In pass-through mode it forwards the check unless
 * the proxy is failing or a cached upstream answer is fresh. Every health-check response carries
 * {@code x-envoy-upstream-healthchecked-cluster}; any other response of a failing proxy carries
 * {@code x-envoy-immediate-health-check-fail: true}. It never changes a request that is not a
 * health check.
 */
final class HealthCheckFilter implements StreamFilter {
  private final HealthCheckConfig config;
  private final HealthCheckCache cache;
  private final LocalServer server;
  private final Function<String, Boolean> clusterExists;
  private final StatsStore stats;
  private final HealthCheckStats counters;
  private StreamDecoderFilterCallbacks callbacks;
  private boolean healthCheckRequest;
  private boolean handling;

  HealthCheckFilter(
      HealthCheckConfig config,
      HealthCheckCache cache,
      LocalServer server,
      Function<String, Boolean> clusterExists,
      StatsStore stats,
      HealthCheckStats counters) {
    this.config = config;
    this.cache = cache;
    this.server = server;
    this.clusterExists = clusterExists;
    this.stats = stats;
    this.counters = counters;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    if (HeaderMatch.allMatch(
        config.headers(), HeaderSource.ofRequest(request, callbacks.connection().scheme()))) {
      healthCheckRequest = true;
      handling =
          !config.passThroughMode()
              || server.healthCheckFailed().getAsBoolean()
              || (cache != null && cache.useCachedResponse());
    }
    if (endStream && handling) {
      answer();
    }
    return handling ? FilterHeadersStatus.STOP_ITERATION : FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (!handling) {
      return FilterDataStatus.CONTINUE;
    }
    boolean last = data instanceof LastHttpContent;
    data.release();
    if (last) {
      answer();
    }
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return handling ? FilterTrailersStatus.STOP_ITERATION : FilterTrailersStatus.CONTINUE;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    HttpHeaders h = response.headers();
    if (healthCheckRequest) {
      if (cache != null) { // as Envoy: the filter's own answers are cached too
        cache.set(response.status().code(), h.contains("x-envoy-degraded"));
      }
      h.set("x-envoy-upstream-healthchecked-cluster", server.serviceCluster());
    } else if (server.healthCheckFailed().getAsBoolean()) {
      h.set("x-envoy-immediate-health-check-fail", "true");
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /** Envoy's {@code onComplete}: the filter's own answer to a health check. */
  private void answer() {
    counters.requestTotal().inc();
    int status = 200;
    String details = "health_check_ok";
    boolean degraded = false;
    if (server.healthCheckFailed().getAsBoolean()) {
      callbacks.streamInfo().addFlag(ResponseFlag.FAILED_LOCAL_HEALTH_CHECK);
      status = 503;
      details = "health_check_failed";
    } else {
      if (cache != null) {
        status = cache.status();
        degraded = cache.degraded();
        details = "health_check_cached";
        counters.cachedResponse().inc();
      } else {
        for (Map.Entry<String, Double> e : config.clusterMinHealthyPercentages().entrySet()) {
          details = "health_check_ok_cluster_healthy";
          String cluster = e.getKey();
          // Envoy truncates the percentage to a whole number.
          long minPercent = (long) e.getValue().doubleValue();
          if (!clusterExists.apply(cluster)) {
            status = 503;
            details = "health_check_failed_no_cluster_found";
            counters.failedClusterNotFound().inc();
            break;
          }
          String p = "cluster." + cluster + ".";
          long total = stats.gauge(p + "membership_total").value();
          if (total == 0) {
            if (minPercent == 0) {
              continue;
            }
            status = 503;
            details = "health_check_failed_cluster_empty";
            counters.failedClusterEmpty().inc();
            break;
          }
          long available =
              stats.gauge(p + "membership_healthy").value()
                  + stats.gauge(p + "membership_degraded").value();
          if (100 * available < total * minPercent) {
            status = 503;
            details = "health_check_failed_cluster_unhealthy";
            counters.failedClusterUnhealthy().inc();
            break;
          }
        }
      }
      if (status < 200 || status >= 300) {
        callbacks.streamInfo().addFlag(ResponseFlag.FAILED_LOCAL_HEALTH_CHECK);
      }
    }
    (status >= 200 && status < 300 ? counters.ok() : counters.failed()).inc();
    if (degraded) {
      counters.degraded().inc();
    }
    FullHttpResponse reply =
        LocalReply.build(callbacks.alloc(), status, "", callbacks.grpcRequest());
    if (degraded) {
      reply.headers().set("x-envoy-degraded", "");
    }
    callbacks.sendLocalReply(reply, details);
  }
}
