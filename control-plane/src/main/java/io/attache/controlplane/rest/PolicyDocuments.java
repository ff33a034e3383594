package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Message;
import io.attache.controlplane.policy.PolicyDocument;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.store.ResourceKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The declarative form of the policy: documents of {@code apiVersion}, {@code kind}, {@code name}
 * and {@code spec}, several per YAML stream ({@code ---}) or a JSON array. Reads them into
 * validated {@link PolicyDocument}s, naming the offending document field (and its line) on error;
 * writes stored resources back in the same form, so what {@code GET /api/v1/export} returns
 * re-applies to the identical state. Thread-safe.
 */
final class PolicyDocuments {

  static final String API_VERSION = "attache.io/v1";

  /** Document kind ↔ store kind. The names say what a reader of Envoy's docs would expect. */
  static final Map<String, ResourceKind> KINDS;

  static {
    Map<String, ResourceKind> kinds = new LinkedHashMap<>();
    kinds.put("MeshDefaults", ResourceKind.DEFAULTS);
    kinds.put("Service", ResourceKind.SERVICE);
    kinds.put("Route", ResourceKind.ROUTE);
    kinds.put("Authorization", ResourceKind.AUTHORIZATION);
    kinds.put("EnvoyCluster", ResourceKind.RAW_CLUSTER);
    kinds.put("EnvoyClusterLoadAssignment", ResourceKind.RAW_ENDPOINT);
    kinds.put("EnvoyRouteConfiguration", ResourceKind.RAW_ROUTE);
    kinds.put("EnvoyListener", ResourceKind.RAW_LISTENER);
    KINDS = java.util.Collections.unmodifiableMap(kinds);
  }

  private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "name", "spec");

  private final JsonCodec codec;
  private final ObjectMapper json = new ObjectMapper();
  private final YAMLMapper yaml =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build();

  PolicyDocuments(JsonCodec codec) {
    this.codec = codec;
  }

  static String kindName(ResourceKind kind) {
    return KINDS.entrySet().stream()
        .filter(e -> e.getValue() == kind)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  /**
   * Parses a YAML stream (documents separated by {@code ---}) or, when {@code isJson}, one JSON
   * document, a JSON array of them, or {@code {"items": [...]}}.
   */
  ParsedSet read(String body, boolean isJson) throws PolicyRejection {
    List<JsonNode> roots = new ArrayList<>();
    Map<String, Integer> lines = new HashMap<>();
    try {
      if (isJson) {
        JsonNode root = JsonCodec.strictTree(body);
        if (root == null || root.isMissingNode()) {
          roots = List.of();
        } else if (root.isArray()) {
          root.forEach(roots::add);
        } else if (root.isObject() && root.has("items") && !root.has("kind")) {
          root.get("items").forEach(roots::add);
        } else {
          roots.add(root);
        }
        indexLines(
            json.getFactory(), body, lines, root != null && root.isObject() && !root.has("items"));
      } else {
        try (JsonParser parser = yaml.getFactory().createParser(body)) {
          while (parser.nextToken() != null) {
            JsonNode document = yaml.readTree(parser);
            if (document != null && !document.isNull() && !document.isMissingNode()) {
              roots.add(document);
            }
          }
        }
        indexLines(yaml.getFactory(), body, lines, true);
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw located(
          new PolicyRejection(
              PolicyRejection.Reason.INVALID,
              "",
              (isJson ? "not JSON: " : "not YAML: ") + e.getOriginalMessage()),
          line);
    } catch (IOException e) {
      throw new PolicyRejection(PolicyRejection.Reason.INVALID, "", e.getMessage());
    }
    List<PolicyDocument> documents = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      try {
        documents.add(document(roots.get(i), "documents[" + i + "]"));
      } catch (PolicyRejection rejection) {
        throw located(rejection, lineOf(lines, rejection.field()));
      }
    }
    return new ParsedSet(documents, lines);
  }

  /** The documents of a body and the line of each of its fields, to point errors at. */
  record ParsedSet(List<PolicyDocument> documents, Map<String, Integer> lines) {

    /** The same rejection, at the body line of its field when that is one of the body's. */
    PolicyRejection locate(PolicyRejection rejection) {
      return rejection.line() > 0
          ? rejection
          : located(rejection, lineOf(lines, rejection.field()));
    }
  }

  /** The line of {@code field}, or of its nearest enclosing field that has one; 0 if none. */
  static int lineOf(Map<String, Integer> lines, String field) {
    String path = field;
    while (!path.isEmpty()) {
      Integer line = lines.get(path);
      if (line != null) {
        return line;
      }
      int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      path = cut < 0 ? "" : path.substring(0, cut);
    }
    return 0;
  }

  private static PolicyRejection located(PolicyRejection rejection, int line) {
    return line <= 0 ? rejection : rejection.atLine(line);
  }

  private PolicyDocument document(JsonNode root, String path) throws PolicyRejection {
    if (!root.isObject()) {
      throw invalid(path, "a document is an object with apiVersion, kind, name and spec");
    }
    for (var names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!TOP_LEVEL.contains(name)) {
        throw invalid(
            path + "." + name, "unknown field; a document has apiVersion, kind, name and spec");
      }
    }
    JsonNode apiVersion = root.path("apiVersion");
    if (!apiVersion.isMissingNode() && !apiVersion.asText().equals(API_VERSION)) {
      throw invalid(path + ".apiVersion", "must be " + API_VERSION);
    }
    String kindName = root.path("kind").asText("");
    ResourceKind kind = KINDS.get(kindName);
    if (kind == null) {
      throw invalid(
          path + ".kind",
          (kindName.isEmpty() ? "is required" : "'" + kindName + "' is not a kind")
              + "; one of "
              + String.join(", ", KINDS.keySet()));
    }
    String name = root.path("name").asText("");
    if (kind == ResourceKind.DEFAULTS) {
      if (!name.isEmpty() && !name.equals(ResourceKind.MESH_DEFAULTS_NAME)) {
        throw invalid(
            path + ".name",
            "the mesh has one MeshDefaults, named '" + ResourceKind.MESH_DEFAULTS_NAME + "'");
      }
      name = ResourceKind.MESH_DEFAULTS_NAME;
    } else if (name.isEmpty()) {
      throw invalid(path + ".name", "is required");
    }
    JsonNode spec = root.path("spec");
    if (spec.isMissingNode() || spec.isNull()) {
      spec = json.createObjectNode();
    }
    if (!spec.isObject()) {
      throw invalid(path + ".spec", "must be an object");
    }
    String specPath = path + ".spec";
    Message message;
    try {
      message = codec.parse(json.writeValueAsString(spec), kind.prototype());
    } catch (PolicyRejection rejection) {
      String field =
          rejection.field().isEmpty()
              ? badField(spec, kind.prototype().getDescriptorForType())
              : rejection.field();
      throw new PolicyRejection(
          rejection.reason(),
          field.isEmpty() ? specPath : specPath + "." + field,
          rejection.getMessage());
    } catch (JsonProcessingException e) {
      throw invalid(specPath, e.getOriginalMessage());
    }
    return new PolicyDocument(kind, name, message, specPath);
  }

  /**
   * The path of the first field that does not parse on its own, e.g. {@code route_timeout} for
   * {@code "soon"}: the protobuf parser says what is wrong (a bad duration) but not where.
   */
  private String badField(JsonNode object, com.google.protobuf.Descriptors.Descriptor type) {
    for (var member : object.properties()) {
      var field = type.findFieldByName(member.getKey());
      if (field == null) {
        field =
            type.getFields().stream()
                .filter(f -> f.getJsonName().equals(member.getKey()))
                .findFirst()
                .orElse(null);
      }
      if (field == null) {
        return member.getKey();
      }
      ObjectNode alone = json.createObjectNode();
      alone.set(member.getKey(), member.getValue());
      try {
        codec.parse(alone.toString(), com.google.protobuf.DynamicMessage.getDefaultInstance(type));
        continue;
      } catch (PolicyRejection broken) {
        // this member is (or holds) the bad field
      }
      boolean message =
          field.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE
              && !field.getMessageType().getFullName().startsWith("google.protobuf.");
      if (message && !field.isMapField() && member.getValue().isObject() && !field.isRepeated()) {
        String inner = badField(member.getValue(), field.getMessageType());
        return inner.isEmpty() ? member.getKey() : member.getKey() + "." + inner;
      }
      if (message && field.isRepeated() && member.getValue().isArray()) {
        for (int i = 0; i < member.getValue().size(); i++) {
          JsonNode element = member.getValue().get(i);
          if (element.isObject()) {
            String inner = badField(element, field.getMessageType());
            if (!inner.isEmpty()) {
              return member.getKey() + "[" + i + "]." + inner;
            }
          }
        }
      }
      return member.getKey();
    }
    return "";
  }

  private static PolicyRejection invalid(String field, String message) {
    return new PolicyRejection(PolicyRejection.Reason.INVALID, field, message);
  }

  /** One document as a JSON tree: the spec in proto3 JSON without its name fields. */
  ObjectNode tree(ResourceKind kind, String name, Message body) {
    ObjectNode document = json.createObjectNode();
    document.put("apiVersion", API_VERSION);
    document.put("kind", kindName(kind));
    document.put("name", name);
    JsonNode spec = parseTree(codec.print(withoutName(kind, body)));
    document.set("spec", spec);
    return document;
  }

  ArrayNode trees(List<Entry> entries) {
    ArrayNode array = json.createArrayNode();
    entries.forEach(e -> array.add(tree(e.kind(), e.name(), e.body())));
    return array;
  }

  /** One resource to write out. */
  record Entry(ResourceKind kind, String name, Message body) {}

  /** A YAML stream of documents separated by {@code ---}, with a header comment. */
  String yaml(List<Entry> entries, String header) {
    StringBuilder out = new StringBuilder();
    if (!header.isEmpty()) {
      Arrays.stream(header.split("\n")).forEach(l -> out.append("# ").append(l).append('\n'));
    }
    for (int i = 0; i < entries.size(); i++) {
      out.append(i == 0 && header.isEmpty() ? "" : "---\n");
      Entry e = entries.get(i);
      out.append(yaml(tree(e.kind(), e.name(), e.body())));
    }
    return out.toString();
  }

  /** One resource as YAML lines: what a revision diff compares. */
  String yaml(ResourceKind kind, String name, Optional<Message> body) {
    return body.map(b -> yaml(tree(kind, name, b))).orElse("");
  }

  private String yaml(JsonNode node) {
    try {
      return yaml.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode parseTree(String text) {
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The name lives at the document's top; printing it twice would invite a mismatch. */
  private static Message withoutName(ResourceKind kind, Message body) {
    String field =
        switch (kind) {
          case DEFAULTS -> null;
          case RAW_ENDPOINT -> "cluster_name";
          default -> "name";
        };
    if (field == null) {
      return body;
    }
    var descriptor = body.getDescriptorForType().findFieldByName(field);
    return body.toBuilder().clearField(descriptor).build();
  }

  /**
   * Records the line of every field path of the body, e.g. {@code documents[1].spec.port}, so an
   * error can point at its line. {@code single}: the body is one document, not a list of them.
   */
  private static void indexLines(
      JsonFactory factory, String body, Map<String, Integer> lines, boolean streamOfDocuments)
      throws IOException {
    try (JsonParser parser = factory.createParser(body)) {
      int index = 0;
      JsonToken token = parser.nextToken();
      if (token == JsonToken.START_ARRAY && !streamOfDocuments) {
        while (parser.nextToken() != JsonToken.END_ARRAY && parser.currentToken() != null) {
          walk(parser, "documents[" + index++ + "]", lines);
        }
        return;
      }
      if (token == JsonToken.START_OBJECT && !streamOfDocuments) {
        // {"items": [...]}
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String field = parser.currentName();
          parser.nextToken();
          if (field.equals("items") && parser.currentToken() == JsonToken.START_ARRAY) {
            while (parser.nextToken() != JsonToken.END_ARRAY && parser.currentToken() != null) {
              walk(parser, "documents[" + index++ + "]", lines);
            }
          } else {
            parser.skipChildren();
          }
        }
        return;
      }
      while (token != null) {
        if (token != JsonToken.VALUE_NULL) {
          walk(parser, "documents[" + index++ + "]", lines);
        }
        token = parser.nextToken();
      }
    }
  }

  private static void walk(JsonParser parser, String path, Map<String, Integer> lines)
      throws IOException {
    lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_OBJECT) {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String child = path + "." + parser.currentName();
        lines.put(child, parser.currentTokenLocation().getLineNr());
        lines.putIfAbsent(path + "." + snakeCase(parser.currentName()), lines.get(child));
        parser.nextToken();
        walk(parser, child, lines);
      }
    } else if (token == JsonToken.START_ARRAY) {
      int i = 0;
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        walk(parser, path + "[" + i++ + "]", lines);
      }
    }
  }

  private static String snakeCase(String name) {
    return name.chars()
        .mapToObj(
            c ->
                Character.isUpperCase(c)
                    ? "_" + Character.toLowerCase((char) c)
                    : String.valueOf((char) c))
        .collect(Collectors.joining());
  }
}
