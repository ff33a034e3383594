package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The columns {@code ./attache get} shows for each kind: what an operator scans for. */
final class Tables {

  private Tables() {}

  static Table of(ResourceKind kind) {
    return switch (kind) {
      case SERVICES ->
          Table.of(
              new String[] {"NAME", "PORT", "PROTOCOL", "ENDPOINTS"},
              s -> s.path("name").asText(),
              s -> s.path("port").asText(""),
              s -> s.path("protocol").asText("HTTP1"),
              s ->
                  join(
                      s.path("endpoints"),
                      e -> e.path("address").asText() + ":" + e.path("port").asText()));
      case ROUTES ->
          Table.of(
              new String[] {"NAME", "HOSTS", "MATCH", "DESTINATIONS"},
              r -> r.path("name").asText(),
              r -> join(r.path("hosts"), JsonNode::asText),
              r ->
                  r.has("path_exact")
                      ? "= " + r.path("path_exact").asText()
                      : r.has("path_prefix") ? r.path("path_prefix").asText() + "*" : "*",
              r ->
                  join(
                      r.path("destinations"),
                      d ->
                          d.path("service").asText()
                              + (d.has("weight") ? " " + d.path("weight").asText() + "%" : "")));
      case AUTHORIZATIONS ->
          Table.of(
              new String[] {"NAME", "TARGET", "ACTION", "RULES"},
              a -> a.path("name").asText(),
              a -> a.path("target").asText(),
              a -> a.path("action").asText(),
              a -> Integer.toString(a.path("rules").size()));
      case ENDPOINTS -> Table.of(new String[] {"NAME"}, r -> r.path("cluster_name").asText());
      default -> Table.of(new String[] {"NAME"}, r -> r.path("name").asText());
    };
  }

  private static String join(JsonNode array, java.util.function.Function<JsonNode, String> cell) {
    List<String> cells = new ArrayList<>();
    array.forEach(item -> cells.add(cell.apply(item)));
    return cells.isEmpty() ? "-" : String.join(",", cells);
  }
}
