package io.attache.dataplane.tls;

/**
 * A cluster's {@code UpstreamTlsContext}: the proxy originates TLS to every host of the cluster.
 * Immutable.
 *
 * @param sni the SNI to send; empty sends none (Envoy does not derive it from the host)
 */
public record UpstreamTlsConfig(CommonTlsConfig common, String sni) {}
