package io.attache.dataplane.pool;

import io.attache.dataplane.headercase.HeaderKeyFormat;
import java.time.Duration;

/**
 * Per-cluster knobs of the upstream connection pools, parsed once from the cluster proto.
 *
 * @param protocol HTTP/1.1 or HTTP/2 towards the hosts
 * @param connectTimeout {@code connect_timeout}
 * @param idleTimeout {@code common_http_protocol_options.idle_timeout}; zero disables
 * @param maxRequestsPerConnection {@code max_requests_per_connection}; zero means unlimited
 * @param maxConcurrentStreams HTTP/2 streams per connection before another connection is opened
 * @param transport plaintext, or the cluster's upstream TLS
 * @param headerKeyFormat the wire case of HTTP/1.1 header names ({@code header_key_format})
 */
public record PoolSettings(
    UpstreamProtocol protocol,
    Duration connectTimeout,
    Duration idleTimeout,
    long maxRequestsPerConnection,
    int maxConcurrentStreams,
    UpstreamTransport transport,
    HeaderKeyFormat headerKeyFormat) {

  /** Envoy's default header case. */
  public PoolSettings(
      UpstreamProtocol protocol,
      Duration connectTimeout,
      Duration idleTimeout,
      long maxRequestsPerConnection,
      int maxConcurrentStreams,
      UpstreamTransport transport) {
    this(
        protocol,
        connectTimeout,
        idleTimeout,
        maxRequestsPerConnection,
        maxConcurrentStreams,
        transport,
        HeaderKeyFormat.DEFAULT);
  }

  /** Plaintext settings. */
  public PoolSettings(
      UpstreamProtocol protocol,
      Duration connectTimeout,
      Duration idleTimeout,
      long maxRequestsPerConnection,
      int maxConcurrentStreams) {
    this(
        protocol,
        connectTimeout,
        idleTimeout,
        maxRequestsPerConnection,
        maxConcurrentStreams,
        UpstreamTransport.PLAINTEXT);
  }

  public static PoolSettings http1Defaults() {
    return new PoolSettings(
        UpstreamProtocol.HTTP1, Duration.ofSeconds(5), Duration.ofHours(1), 0, 2147483647);
  }
}
