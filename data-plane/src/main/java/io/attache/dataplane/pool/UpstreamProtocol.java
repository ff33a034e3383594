package io.attache.dataplane.pool;

/**
 * What is spoken to an upstream host: the cluster's HTTP protocol, or raw bytes for a CONNECT the
 * router terminates.
 */
public enum UpstreamProtocol {
  HTTP1,
  HTTP2,
  /** Raw TCP: the bytes of a terminated CONNECT ({@link TcpHostPool}); never a cluster's choice. */
  TCP
}
