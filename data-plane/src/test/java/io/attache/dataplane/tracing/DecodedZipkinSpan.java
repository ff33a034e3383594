package io.attache.dataplane.tracing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Zipkin v2 span as a collector receives it, decoded from a JSON v2 report with a plain JSON
 * parser or from a proto3 {@code zipkin.proto3.ListOfSpans} by the field numbers of Zipkin's
 * zipkin.proto — never with Zipkin's own decoder, which lowercases names and so would hide a
 * difference in what a proxy sent. Ids are lowercase hex, absent ones empty.
 */
record DecodedZipkinSpan(
    String traceId,
    String parentId,
    String id,
    String name,
    String kind,
    boolean shared,
    String serviceName,
    Map<String, String> tags) {

  /** The spans of one report body, by its content type. */
  static List<DecodedZipkinSpan> parse(String contentType, byte[] body) {
    return contentType.startsWith("application/x-protobuf") ? proto3(body) : json(body);
  }

  static List<DecodedZipkinSpan> json(byte[] body) {
    List<DecodedZipkinSpan> spans = new ArrayList<>();
    for (JsonElement element :
        JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonArray()) {
      JsonObject span = element.getAsJsonObject();
      Map<String, String> tags = new TreeMap<>();
      if (span.has("tags")) {
        span.getAsJsonObject("tags").entrySet().forEach(t -> tags.put(t.getKey(), asText(t)));
      }
      JsonObject local =
          span.has("localEndpoint") ? span.getAsJsonObject("localEndpoint") : new JsonObject();
      spans.add(
          new DecodedZipkinSpan(
              string(span, "traceId"),
              string(span, "parentId"),
              string(span, "id"),
              string(span, "name"),
              string(span, "kind"),
              span.has("shared") && span.get("shared").getAsBoolean(),
              string(local, "serviceName"),
              tags));
    }
    return spans;
  }

  private static String asText(Map.Entry<String, JsonElement> tag) {
    return tag.getValue().getAsString();
  }

  private static String string(JsonObject object, String field) {
    return object.has(field) ? object.get(field).getAsString() : "";
  }

  static List<DecodedZipkinSpan> proto3(byte[] body) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      List<DecodedZipkinSpan> spans = new ArrayList<>();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag >>> 3 == 1) {
          spans.add(protoSpan(in.readByteArray()));
        } else {
          in.skipField(tag);
        }
      }
      return spans;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String[] KINDS = {"", "CLIENT", "SERVER", "PRODUCER", "CONSUMER"};

  private static DecodedZipkinSpan protoSpan(byte[] bytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    HexFormat hex = HexFormat.of();
    String traceId = "";
    String parentId = "";
    String id = "";
    String name = "";
    String kind = "";
    boolean shared = false;
    String serviceName = "";
    Map<String, String> tags = new TreeMap<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag >>> 3) {
        case 1 -> traceId = hex.formatHex(in.readByteArray());
        case 2 -> parentId = hex.formatHex(in.readByteArray());
        case 3 -> id = hex.formatHex(in.readByteArray());
        case 4 -> kind = KINDS[in.readEnum()];
        case 5 -> name = in.readString();
        case 8 -> serviceName = endpointServiceName(in.readByteArray());
        case 11 -> {
          CodedInputStream entry = CodedInputStream.newInstance(in.readByteArray());
          String key = "";
          String value = "";
          for (int t = entry.readTag(); t != 0; t = entry.readTag()) {
            if (t >>> 3 == 1) {
              key = entry.readString();
            } else if (t >>> 3 == 2) {
              value = entry.readString();
            } else {
              entry.skipField(t);
            }
          }
          tags.put(key, value);
        }
        case 13 -> shared = in.readBool();
        default -> in.skipField(tag);
      }
    }
    return new DecodedZipkinSpan(traceId, parentId, id, name, kind, shared, serviceName, tags);
  }

  private static String endpointServiceName(byte[] bytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    String serviceName = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag >>> 3 == 1) {
        serviceName = in.readString();
      } else {
        in.skipField(tag);
      }
    }
    return serviceName;
  }
}
