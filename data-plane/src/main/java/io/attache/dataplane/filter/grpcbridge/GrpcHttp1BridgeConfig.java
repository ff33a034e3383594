package io.attache.dataplane.filter.grpcbridge;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_bridge.v3.Config;

/**
 * {@code envoy.extensions.filters.http.grpc_http1_bridge.v3.Config}, parsed once. Immutable.
 *
 * @param upgradeProtobufToGrpc frame {@code application/x-protobuf} requests as gRPC
 * @param ignoreQueryParameters drop the query from a bridged request's path
 */
record GrpcHttp1BridgeConfig(boolean upgradeProtobufToGrpc, boolean ignoreQueryParameters) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.grpc_http1_bridge.v3.Config";

  static GrpcHttp1BridgeConfig from(Any typedConfig, String path) throws ConfigException {
    try {
      Config proto = typedConfig.unpack(Config.class);
      return new GrpcHttp1BridgeConfig(
          proto.getUpgradeProtobufToGrpc(), proto.getIgnoreQueryParameters());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a grpc_http1_bridge Config: " + e.getMessage());
    }
  }
}
