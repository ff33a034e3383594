package io.attache.dataplane.xds;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * Opens the gRPC channel the ADS client speaks over. Injected so a test (or an embedding) can hand
 * the client an in-process or otherwise prepared channel; {@link #PLAINTEXT} dials the configured
 * control plane as the bootstrap says. The ADS client asks for one of the ADS cluster's servers at
 * a time and moves to the next on reconnect.
 */
@FunctionalInterface
public interface XdsTransport {
  /** Cleartext HTTP/2 to {@code server}, authority and limits per the config. */
  XdsTransport PLAINTEXT =
      (config, server) -> {
        ManagedChannelBuilder<?> builder =
            Grpc.newChannelBuilderForAddress(
                server.host(), server.port(), InsecureChannelCredentials.create());
        builder.overrideAuthority(
            config.authority().isEmpty() ? config.adsClusterName() : config.authority());
        builder.maxInboundMessageSize(
            config.maxReceiveMessageLength() == 0
                ? Integer.MAX_VALUE
                : config.maxReceiveMessageLength());
        builder.userAgent(XdsClientConfig.USER_AGENT_NAME);
        return builder.build();
      };

  ManagedChannel open(XdsClientConfig config, XdsClientConfig.Server server);
}
