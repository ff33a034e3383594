package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.Optional;

/**
 * The cluster a generated {@code jwt_authn} fetches a JWKS through: one {@code host:port}, STATIC
 * for an IP literal and STRICT_DNS (IPv4 preferred) for a name, optionally over TLS (SNI for host
 * names only, RFC 6066). Shared by the mesh's identity tokens and end-user request authentication,
 * which differ only in the name, the timeout and how the server's certificate is validated. Pure.
 */
final class JwksFetchCluster {

  private JwksFetchCluster() {}

  /**
   * The cluster {@code name} reaching {@code host:port}; over TLS validated by {@code validation}
   * when one is given.
   */
  static Cluster of(
      String name,
      String host,
      int port,
      Optional<Duration> connectTimeout,
      Optional<CertificateValidationContext> validation) {
    boolean literal = Sidecar.isIpLiteral(host);
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(name)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        Endpoint.newBuilder()
                                            .setAddress(
                                                Address.newBuilder()
                                                    .setSocketAddress(
                                                        SocketAddress.newBuilder()
                                                            .setAddress(host)
                                                            .setPortValue(port)))))));
    if (literal) {
      cluster.setType(Cluster.DiscoveryType.STATIC);
    } else {
      cluster
          .setType(Cluster.DiscoveryType.STRICT_DNS)
          .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED);
    }
    connectTimeout.ifPresent(cluster::setConnectTimeout);
    validation.ifPresent(v -> cluster.setTransportSocket(tls(host, literal, v)));
    return cluster.build();
  }

  private static TransportSocket tls(
      String host, boolean literal, CertificateValidationContext validation) {
    UpstreamTlsContext.Builder context =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(validation));
    if (!literal) {
      context.setSni(host);
    }
    return TransportSocket.newBuilder()
        .setName(XdsNames.TLS_TRANSPORT_SOCKET)
        .setTypedConfig(Any.pack(context.build()))
        .build();
  }
}
