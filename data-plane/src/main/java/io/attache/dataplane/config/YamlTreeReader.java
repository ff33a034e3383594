package io.attache.dataplane.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.Base64;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the first YAML document into the Gson tree that protobuf's {@code JsonFormat} reads,
 * straight from SnakeYAML's event stream. It replaced Jackson's YAML reader (about 430 classes of
 * metadata in every proxy for a file read once), and types plain scalars the way that reader did:
 * YAML 1.1 tags from SnakeYAML's resolver, {@code yes/no/on/off/y/n} as booleans, octal, hex and
 * binary integers, underscores dropped from numbers, an alias read as its anchor's name. It must
 * never construct Java objects from tags (no SnakeYAML {@code Constructor}): a bootstrap is data.
 */
final class YamlTreeReader {
  /** Jackson's default limit; deeper documents are refused rather than overflowing the stack. */
  private static final int MAX_NESTING_DEPTH = 1000;

  private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";

  private final Parser events;
  private final Resolver resolver = new Resolver();

  private YamlTreeReader(String text) {
    this.events = new ParserImpl(new StreamReader(new StringReader(text)), new LoaderOptions());
  }

  /**
   * The tree of the first document, or {@link JsonNull} when there is none.
   *
   * @throws ConfigException naming the line and column of a syntax error
   */
  static JsonElement read(String text) throws ConfigException {
    try {
      return new YamlTreeReader(text).firstDocument();
    } catch (YAMLException e) {
      throw new ConfigException("", "malformed YAML: " + e.getMessage());
    }
  }

  private JsonElement firstDocument() throws ConfigException {
    while (true) {
      Event event = events.getEvent();
      switch (event.getEventId()) {
        case StreamEnd:
          return JsonNull.INSTANCE;
        case StreamStart:
        case DocumentStart:
        case DocumentEnd:
          continue;
        default:
          return value(event, 0);
      }
    }
  }

  private JsonElement value(Event event, int depth) throws ConfigException {
    switch (event.getEventId()) {
      case Scalar:
        return scalar((ScalarEvent) event);
      case Alias:
        // Jackson exposed an alias as the text of its anchor name and so does this reader.
        return new JsonPrimitive(((AliasEvent) event).getAnchor());
      case MappingStart:
        return mapping(event, checkDepth(event, depth + 1));
      case SequenceStart:
        return sequence(checkDepth(event, depth + 1));
      default:
        throw malformed(event, "unexpected " + event.getEventId());
    }
  }

  private JsonObject mapping(Event start, int depth) throws ConfigException {
    JsonObject object = new JsonObject();
    while (true) {
      Event key = events.getEvent();
      if (key.getEventId() == Event.ID.MappingEnd) {
        return object;
      }
      if (key.getEventId() != Event.ID.Scalar) {
        throw malformed(key, "a mapping key must be a scalar");
      }
      // A later duplicate replaces the earlier value, as in Jackson's tree.
      object.add(((ScalarEvent) key).getValue(), value(events.getEvent(), depth));
    }
  }

  private JsonArray sequence(int depth) throws ConfigException {
    JsonArray array = new JsonArray();
    while (true) {
      Event item = events.getEvent();
      if (item.getEventId() == Event.ID.SequenceEnd) {
        return array;
      }
      array.add(value(item, depth));
    }
  }

  private JsonElement scalar(ScalarEvent event) throws ConfigException {
    String text = event.getValue();
    String tag = event.getTag();
    if (tag == null || tag.equals("!")) {
      Tag resolved =
          resolver.resolve(NodeId.scalar, text, event.getImplicit().canOmitTagInPlainScalar());
      if (resolved.equals(Tag.INT)) {
        return integer(text);
      } else if (resolved.equals(Tag.FLOAT)) {
        return floatingPoint(event, text);
      } else if (resolved.equals(Tag.BOOL)) {
        return bool(text);
      } else if (resolved.equals(Tag.NULL)) {
        return JsonNull.INSTANCE;
      }
      return new JsonPrimitive(text);
    }
    if (tag.startsWith(YAML_TAG_PREFIX)) {
      tag = tag.substring(YAML_TAG_PREFIX.length());
      int comma = tag.indexOf(',');
      tag = comma < 0 ? tag : tag.substring(0, comma);
    }
    switch (tag) {
      case "binary":
        try {
          byte[] bytes = Base64.getMimeDecoder().decode(text.trim());
          return new JsonPrimitive(Base64.getEncoder().encodeToString(bytes));
        } catch (IllegalArgumentException e) {
          throw malformed(event, e.getMessage());
        }
      case "bool":
        return bool(text);
      case "int":
        return integer(text);
      case "float":
        return floatingPoint(event, text);
      case "null":
        return JsonNull.INSTANCE;
      default:
        return new JsonPrimitive(text);
    }
  }

  /** {@code y/n}, {@code yes/no}, {@code on/off}, {@code true/false} in any case; else text. */
  private static JsonElement bool(String text) {
    String word = text.toLowerCase(java.util.Locale.ROOT);
    switch (word) {
      case "y":
      case "yes":
      case "on":
      case "true":
        return new JsonPrimitive(true);
      case "n":
      case "no":
      case "off":
      case "false":
        return new JsonPrimitive(false);
      default:
        return new JsonPrimitive(text);
    }
  }

  /**
   * A YAML 1.1 integer: optional sign, then {@code 0b} binary, {@code 0x} hex, a leading-zero octal
   * or decimal digits, underscores ignored; anything else (sexagesimal {@code 1:30}) stays text.
   */
  private static JsonElement integer(String text) {
    int i = 0;
    boolean negative = false;
    if (!text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+')) {
      negative = text.charAt(0) == '-';
      i = 1;
    }
    if (i >= text.length()) {
      return new JsonPrimitive(text);
    }
    int radix = 10;
    if (text.charAt(i) == '0' && i + 1 < text.length()) {
      char next = text.charAt(i + 1);
      if (next == 'b' || next == 'B') {
        radix = 2;
        i += 2;
      } else if (next == 'x' || next == 'X') {
        radix = 16;
        i += 2;
      } else if ((next >= '0' && next <= '9') || next == '_') {
        radix = 8;
        i += 1;
      } else {
        return new JsonPrimitive(text);
      }
    }
    String digits = text.substring(i).replace("_", "");
    if (digits.isEmpty()) {
      return new JsonPrimitive(text);
    }
    try {
      BigInteger value = new BigInteger(digits, radix);
      return new JsonPrimitive(negative ? value.negate() : value);
    } catch (NumberFormatException e) {
      return new JsonPrimitive(text);
    }
  }

  /** A YAML 1.1 float, underscores ignored, written back as Java writes a double. */
  private static JsonElement floatingPoint(ScalarEvent event, String text) throws ConfigException {
    String cleaned = text.replace("_", "");
    try {
      return new JsonPrimitive(Double.parseDouble(cleaned));
    } catch (NumberFormatException e) {
      throw malformed(event, "not a number: " + text);
    }
  }

  private static int checkDepth(Event event, int depth) throws ConfigException {
    if (depth > MAX_NESTING_DEPTH) {
      throw malformed(event, "nested deeper than " + MAX_NESTING_DEPTH + " levels");
    }
    return depth;
  }

  private static ConfigException malformed(Event event, String problem) {
    Mark mark = event.getStartMark();
    String where =
        mark == null
            ? ""
            : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    return new ConfigException("", "malformed YAML: " + problem + where);
  }
}
