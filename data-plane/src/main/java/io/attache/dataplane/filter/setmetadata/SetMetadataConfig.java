package io.attache.dataplane.filter.setmetadata;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Config;
import io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Metadata;
import java.util.ArrayList;
import java.util.List;

/**
 * A set_metadata {@code Config}, parsed once into the entries written on every request, in Envoy's
 * order: the deprecated top-level {@code metadata_namespace}/{@code value} first (always allowed to
 * overwrite), then {@code metadata}. Typed values are refused: Attaché keeps no typed dynamic
 * metadata. Immutable.
 */
record SetMetadataConfig(List<Entry> entries) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config";

  /** One namespace's fields and whether they may merge into fields already there. */
  record Entry(String namespace, Struct value, boolean allowOverwrite) {}

  static SetMetadataConfig from(Any typedConfig, String path) throws ConfigException {
    Config proto;
    try {
      proto = typedConfig.unpack(Config.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a set_metadata Config: " + e.getMessage());
    }
    List<Entry> entries = new ArrayList<>();
    if (proto.hasValue()) {
      if (proto.getMetadataNamespace().isEmpty()) {
        throw new ConfigException(path + ".metadata_namespace", "must not be empty");
      }
      entries.add(new Entry(proto.getMetadataNamespace(), proto.getValue(), true));
    }
    for (int i = 0; i < proto.getMetadataCount(); i++) {
      Metadata m = proto.getMetadata(i);
      String p = path + ".metadata[" + i + "]";
      if (m.getMetadataNamespace().isEmpty()) {
        throw new ConfigException(p + ".metadata_namespace", "must not be empty");
      }
      if (m.hasTypedValue()) {
        throw new ConfigException(
            p + ".typed_value", "typed dynamic metadata is not supported by Attaché");
      }
      if (!m.hasValue()) {
        throw new ConfigException(p + ".value", "is required");
      }
      entries.add(new Entry(m.getMetadataNamespace(), m.getValue(), m.getAllowOverwrite()));
    }
    return new SetMetadataConfig(List.copyOf(entries));
  }
}
