package io.attache.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import java.util.List;
import java.util.Map;

/**
 * Envoy's {@code /config_dump}: the proxy's dumps, secrets redacted first, then Envoy's query
 * ({@code resource}, {@code mask}, {@code name_regex}, {@code include_eds}) applied. Never prints a
 * dump before redacting it.
 */
final class ConfigDumpEndpoint {
  private final ConfigDumpSource source;
  private final AdminJson json;

  ConfigDumpEndpoint(ConfigDumpSource source, AdminJson json) {
    this.source = source;
    this.json = json;
  }

  AdminResponse handle(Map<String, List<String>> params) {
    ConfigDumpQuery query;
    try {
      query = ConfigDumpQuery.parse(params);
    } catch (IllegalArgumentException e) {
      return AdminResponse.text(400, e.getMessage() + "\n");
    }
    List<Message> redacted = source.configs().stream().map(Redaction::redacted).toList();
    java.util.Optional<List<Message>> selected = query.select(redacted);
    if (selected.isEmpty()) {
      return AdminResponse.text(404, params.get("resource").get(0) + " not found in config dump");
    }
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    for (Message config : selected.get()) {
      dump.addConfigs(Any.pack(config));
    }
    return json.print(dump.build(), false);
  }
}
