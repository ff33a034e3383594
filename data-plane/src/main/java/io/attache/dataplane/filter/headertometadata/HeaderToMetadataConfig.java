package io.attache.dataplane.filter.headertometadata;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * A header_to_metadata {@code Config}, parsed once: the rules run on request headers and those run
 * on response headers. The filter's own config may have none (rules then come per route); a
 * per-route config must have some, as Envoy requires. Immutable.
 */
record HeaderToMetadataConfig(
    List<HeaderToMetadataRule> requestRules, List<HeaderToMetadataRule> responseRules) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config";

  static HeaderToMetadataConfig from(Any typedConfig, String path, boolean perRoute)
      throws ConfigException {
    Config proto;
    try {
      proto = typedConfig.unpack(Config.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a header_to_metadata Config: " + e.getMessage());
    }
    List<HeaderToMetadataRule> request =
        rules(proto.getRequestRulesList(), path + ".request_rules");
    List<HeaderToMetadataRule> response =
        rules(proto.getResponseRulesList(), path + ".response_rules");
    if (perRoute && request.isEmpty() && response.isEmpty()) {
      throw new ConfigException(
          path, "a per-route config must specify either request_rules or response_rules");
    }
    return new HeaderToMetadataConfig(request, response);
  }

  private static List<HeaderToMetadataRule> rules(List<Config.Rule> protos, String path)
      throws ConfigException {
    List<HeaderToMetadataRule> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      out.add(HeaderToMetadataRule.from(protos.get(i), path + "[" + i + "]"));
    }
    return List.copyOf(out);
  }
}
