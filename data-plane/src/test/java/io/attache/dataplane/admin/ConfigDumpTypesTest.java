package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.SupportedTypes;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import org.junit.jupiter.api.Test;

class ConfigDumpTypesTest {
  private final JsonFormat.Printer printer =
      JsonFormat.printer()
          .usingTypeRegistry(ConfigDumpTypes.envoyDefaults())
          .preservingProtoFieldNames();

  @Test
  void everyTypeTheProxyAcceptsInATypedConfigPrints() throws Exception {
    assertThat(SupportedTypes.names()).isNotEmpty();
    for (String name : SupportedTypes.names()) {
      Any packed = Any.newBuilder().setTypeUrl("type.googleapis.com/" + name).build();
      assertThat(printer.print(packed))
          .as(name)
          .contains("\"@type\": \"type.googleapis.com/" + name);
    }
  }

  @Test
  void aClusterWithTypedExtensionProtocolOptionsPrintsInTheClustersDump() throws Exception {
    // The xDS cluster of a current-style bootstrap: what used to make /config_dump answer 500.
    Cluster xds =
        Cluster.newBuilder()
            .setName("xds-grpc")
            .putTypedExtensionProtocolOptions(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                Any.pack(
                    HttpProtocolOptions.newBuilder()
                        .setExplicitHttpConfig(
                            HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                .setHttp2ProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions
                                        .getDefaultInstance()))
                        .build()))
            .build();
    ClustersConfigDump dump =
        ClustersConfigDump.newBuilder()
            .addStaticClusters(
                ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(xds)))
            .build();

    assertThat(printer.print(Any.pack(dump)))
        .contains("\"http2_protocol_options\": {")
        .contains("\"name\": \"xds-grpc\"");
  }
}
