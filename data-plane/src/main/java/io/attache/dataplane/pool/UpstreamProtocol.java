package io.attache.dataplane.pool;

/** The HTTP protocol spoken to an upstream host, chosen per cluster. */
public enum UpstreamProtocol {
  HTTP1,
  HTTP2
}
