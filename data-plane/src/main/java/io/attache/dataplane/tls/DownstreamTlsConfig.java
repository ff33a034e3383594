package io.attache.dataplane.tls;

/**
 * A filter chain's {@code DownstreamTlsContext}: the listener terminates TLS in front of the HTTP
 * connection manager. Immutable.
 *
 * @param requireClientCertificate reject clients that present no certificate
 */
public record DownstreamTlsConfig(CommonTlsConfig common, boolean requireClientCertificate) {}
