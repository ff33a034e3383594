package io.attache.dataplane.filter.setmetadata;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.stats.Counter;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Map;

/**
 * The set_metadata filter on one stream: on the request headers, writes each configured namespace
 * into the stream's dynamic metadata — as it is when the namespace is new, merged (Envoy's {@code
 * StructUtil::update}) when it exists and the entry may overwrite, else skipped and counted in
 * {@code overwrite_denied}. Never stops the stream.
 */
final class SetMetadataFilter implements StreamDecoderFilter {
  private final SetMetadataConfig config;
  private final Counter overwriteDenied;
  private StreamDecoderFilterCallbacks callbacks;

  SetMetadataFilter(SetMetadataConfig config, Counter overwriteDenied) {
    this.config = config;
    this.overwriteDenied = overwriteDenied;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    StreamInfo info = callbacks.streamInfo();
    for (SetMetadataConfig.Entry entry : config.entries()) {
      Struct existing = info.dynamicMetadata().get(entry.namespace());
      if (existing == null) {
        info.setDynamicMetadata(entry.namespace(), entry.value());
      } else if (entry.allowOverwrite()) {
        info.setDynamicMetadata(entry.namespace(), update(existing, entry.value()));
      } else {
        overwriteDenied.inc();
      }
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /**
   * Envoy's {@code StructUtil::update}: a field of another kind, or a scalar, is replaced; structs
   * merge recursively; lists are appended to.
   */
  static Struct update(Struct into, Struct with) {
    Struct.Builder out = into.toBuilder();
    for (Map.Entry<String, Value> field : with.getFieldsMap().entrySet()) {
      Value mine = out.getFieldsMap().get(field.getKey());
      Value theirs = field.getValue();
      if (mine == null || mine.getKindCase() != theirs.getKindCase()) {
        out.putFields(field.getKey(), theirs);
        continue;
      }
      switch (theirs.getKindCase()) {
        case STRUCT_VALUE ->
            out.putFields(
                field.getKey(),
                Value.newBuilder()
                    .setStructValue(update(mine.getStructValue(), theirs.getStructValue()))
                    .build());
        case LIST_VALUE ->
            out.putFields(
                field.getKey(),
                Value.newBuilder()
                    .setListValue(
                        ListValue.newBuilder(mine.getListValue())
                            .addAllValues(theirs.getListValue().getValuesList()))
                    .build());
        case KIND_NOT_SET -> {
          // Envoy leaves the field as it is.
        }
        default -> out.putFields(field.getKey(), theirs);
      }
    }
    return out.build();
  }
}
