package io.attache.dataplane.upstream.lb;

/** {@code least_request_lb_config}. */
public record LeastRequestConfig(int choiceCount, double activeRequestBias) {
  public static final LeastRequestConfig DEFAULTS = new LeastRequestConfig(2, 1.0);
}
