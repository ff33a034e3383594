package io.attache.dataplane.tls;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Optional;

/**
 * Parses {@code transport_socket} on clusters and filter chains: {@code
 * envoy.transport_sockets.tls} with an Upstream/DownstreamTlsContext, or raw buffer (plaintext).
 * Anything else is refused with the field path. Pure: reads secret files named inline but touches
 * no socket.
 */
public final class TransportSockets {
  public static final String TLS = "envoy.transport_sockets.tls";
  public static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
  static final String UPSTREAM_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
  static final String DOWNSTREAM_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  static final String RAW_BUFFER_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

  private TransportSockets() {}

  /** The cluster's upstream TLS, or empty for plaintext. */
  public static Optional<UpstreamTlsConfig> upstream(Cluster cluster, String path)
      throws ConfigException {
    if (cluster.getTransportSocketMatchesCount() > 0) {
      throw new ConfigException(
          path + ".transport_socket_matches",
          "is not supported; set one transport_socket for the whole cluster");
    }
    if (!cluster.hasTransportSocket()) {
      return Optional.empty();
    }
    String tsPath = path + ".transport_socket";
    Optional<Any> typed = tlsOrRaw(cluster.getTransportSocket(), tsPath, UPSTREAM_TYPE);
    if (typed.isEmpty()) {
      return Optional.empty();
    }
    UpstreamTlsContext context;
    try {
      context = typed.get().unpack(UpstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(tsPath + ".typed_config", "not an UpstreamTlsContext");
    }
    String cp = tsPath + ".typed_config";
    if (context.getAutoHostSni()) {
      throw new ConfigException(cp + ".auto_host_sni", "is not supported; set sni");
    }
    if (context.getAutoSniSanValidation()) {
      throw new ConfigException(
          cp + ".auto_sni_san_validation", "is not supported; use match_typed_subject_alt_names");
    }
    return Optional.of(
        new UpstreamTlsConfig(
            CommonTlsConfig.from(
                context.getCommonTlsContext(), cp + ".common_tls_context", TlsParams.Side.CLIENT),
            context.getSni()));
  }

  /** The filter chain's downstream TLS, or empty for plaintext. */
  public static Optional<DownstreamTlsConfig> downstream(FilterChain chain, String path)
      throws ConfigException {
    if (!chain.hasTransportSocket()) {
      return Optional.empty();
    }
    String tsPath = path + ".transport_socket";
    Optional<Any> typed = tlsOrRaw(chain.getTransportSocket(), tsPath, DOWNSTREAM_TYPE);
    if (typed.isEmpty()) {
      return Optional.empty();
    }
    DownstreamTlsContext context;
    try {
      context = typed.get().unpack(DownstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(tsPath + ".typed_config", "not a DownstreamTlsContext");
    }
    String cp = tsPath + ".typed_config";
    if (context.hasRequireSni() && context.getRequireSni().getValue()) {
      throw new ConfigException(cp + ".require_sni", "is not supported");
    }
    if (context.hasSessionTicketKeys() || context.hasSessionTicketKeysSdsSecretConfig()) {
      throw new ConfigException(cp + ".session_ticket_keys", "session tickets are not supported");
    }
    CommonTlsConfig common =
        CommonTlsConfig.from(
            context.getCommonTlsContext(), cp + ".common_tls_context", TlsParams.Side.SERVER);
    if (common.certificate().isEmpty()) {
      throw new ConfigException(
          cp + ".common_tls_context.tls_certificates",
          "a TLS listener needs a certificate (tls_certificates or"
              + " tls_certificate_sds_secret_configs)");
    }
    boolean require =
        context.hasRequireClientCertificate() && context.getRequireClientCertificate().getValue();
    if (require && common.validation().isEmpty()) {
      throw new ConfigException(
          cp + ".require_client_certificate",
          "needs a validation context to verify client certificates against");
    }
    return Optional.of(new DownstreamTlsConfig(common, require));
  }

  /** The TLS context to unpack, or empty for raw buffer. */
  private static Optional<Any> tlsOrRaw(TransportSocket socket, String path, String tlsType)
      throws ConfigException {
    String type = socket.getTypedConfig().getTypeUrl();
    if (socket.getName().equals(RAW_BUFFER) || type.equals(RAW_BUFFER_TYPE)) {
      return Optional.empty();
    }
    if (!socket.hasTypedConfig() || !type.equals(tlsType)) {
      throw new ConfigException(
          path,
          "only "
              + TLS
              + " with "
              + tlsType.substring(tlsType.lastIndexOf('.') + 1)
              + " (or raw_buffer) is supported"
              + (socket.getName().isEmpty() ? "" : ", not " + socket.getName()));
    }
    return Optional.of(socket.getTypedConfig());
  }

  /** Names of the SDS secrets a config needs; empty for plaintext. */
  public static List<SecretSource.Named<?>> sdsSecrets(Optional<CommonTlsConfig> common) {
    return common.map(CommonTlsConfig::sdsSecrets).orElse(List.of());
  }
}
