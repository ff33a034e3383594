package io.attache.dataplane.matcher;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.DoubleMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A compiled {@code envoy.type.matcher.v3.MetadataMatcher}: the value at {@code path} under the
 * {@code filter} namespace of a metadata map, tested by a {@code ValueMatcher}, the result flipped
 * by {@code invert}. As in Envoy, a missing value is "not set" — neither {@code null_match} nor any
 * typed matcher matches it, and {@code present_match: false} does. Immutable; matching walks the
 * structs and never allocates.
 */
public final class MetadataMatch {
  private final String filter;
  private final List<String> path;
  private final ValueMatch value;
  private final boolean invert;

  private MetadataMatch(String filter, List<String> path, ValueMatch value, boolean invert) {
    this.filter = filter;
    this.path = path;
    this.value = value;
    this.invert = invert;
  }

  public static MetadataMatch compile(MetadataMatcher proto, String fieldPath)
      throws ConfigException {
    StringMatch.requireNonEmpty(proto.getFilter(), fieldPath + ".filter");
    if (proto.getPathCount() == 0) {
      throw new ConfigException(fieldPath + ".path", "must have at least one segment");
    }
    List<String> keys = new ArrayList<>(proto.getPathCount());
    for (int i = 0; i < proto.getPathCount(); i++) {
      var segment = proto.getPath(i);
      if (!segment.hasKey() || segment.getKey().isEmpty()) {
        throw new ConfigException(fieldPath + ".path[" + i + "].key", "must not be empty");
      }
      keys.add(segment.getKey());
    }
    if (!proto.hasValue()) {
      throw new ConfigException(fieldPath + ".value", "is required");
    }
    return new MetadataMatch(
        proto.getFilter(),
        List.copyOf(keys),
        value(proto.getValue(), fieldPath + ".value"),
        proto.getInvert());
  }

  /** Tests the metadata given as filter namespace → fields (Envoy's {@code filter_metadata}). */
  public boolean matches(Map<String, Struct> filterMetadata) {
    return value.matches(lookup(filterMetadata, filter, path)) != invert;
  }

  /**
   * Envoy's {@code Metadata::metadataValue}: the value at {@code keys} under {@code filter}, or
   * null when any step is missing or not a struct.
   */
  public static Value lookup(Map<String, Struct> filterMetadata, String filter, List<String> keys) {
    Struct current = filterMetadata.get(filter);
    if (current == null) {
      return null;
    }
    Value v = null;
    for (int i = 0; i < keys.size(); i++) {
      v = current.getFieldsMap().get(keys.get(i));
      if (v == null) {
        return null;
      }
      if (i < keys.size() - 1) {
        if (v.getKindCase() != Value.KindCase.STRUCT_VALUE) {
          return null;
        }
        current = v.getStructValue();
      }
    }
    return v;
  }

  @Override
  public String toString() {
    return "metadata(" + filter + ":" + String.join(".", path) + (invert ? ", inverted)" : ")");
  }

  /** A compiled {@code ValueMatcher}; {@code null} stands for a value that is not set. */
  @FunctionalInterface
  interface ValueMatch {
    boolean matches(Value value);
  }

  static ValueMatch value(ValueMatcher proto, String fieldPath) throws ConfigException {
    switch (proto.getMatchPatternCase()) {
      case NULL_MATCH:
        return v -> v != null && v.getKindCase() == Value.KindCase.NULL_VALUE;
      case DOUBLE_MATCH:
        return doubleMatch(proto.getDoubleMatch(), fieldPath + ".double_match");
      case STRING_MATCH:
        StringMatch string =
            StringMatch.compile(proto.getStringMatch(), fieldPath + ".string_match");
        return v ->
            v != null
                && v.getKindCase() == Value.KindCase.STRING_VALUE
                && string.matches(v.getStringValue());
      case BOOL_MATCH:
        boolean expected = proto.getBoolMatch();
        return v ->
            v != null
                && v.getKindCase() == Value.KindCase.BOOL_VALUE
                && v.getBoolValue() == expected;
      case PRESENT_MATCH:
        boolean present = proto.getPresentMatch();
        return v -> isSet(v) == present;
      case LIST_MATCH:
        if (!proto.getListMatch().hasOneOf()) {
          throw new ConfigException(fieldPath + ".list_match.one_of", "is required");
        }
        ValueMatch element =
            value(proto.getListMatch().getOneOf(), fieldPath + ".list_match.one_of");
        return v -> {
          if (v == null || v.getKindCase() != Value.KindCase.LIST_VALUE) {
            return false;
          }
          List<Value> values = v.getListValue().getValuesList();
          for (int i = 0; i < values.size(); i++) {
            if (element.matches(values.get(i))) {
              return true;
            }
          }
          return false;
        };
      case OR_MATCH:
        return or(
            proto.getOrMatch().getValueMatchersList(), fieldPath + ".or_match.value_matchers");
      default:
        throw new ConfigException(fieldPath, "one value matcher is required");
    }
  }

  private static boolean isSet(Value v) {
    return v != null && v.getKindCase() != Value.KindCase.KIND_NOT_SET;
  }

  private static ValueMatch doubleMatch(DoubleMatcher proto, String fieldPath)
      throws ConfigException {
    switch (proto.getMatchPatternCase()) {
      case EXACT:
        double exact = proto.getExact();
        return v ->
            v != null
                && v.getKindCase() == Value.KindCase.NUMBER_VALUE
                && v.getNumberValue() == exact;
      case RANGE:
        double start = proto.getRange().getStart();
        double end = proto.getRange().getEnd();
        if (start >= end) {
          throw new ConfigException(fieldPath + ".range", "start must be less than end");
        }
        return v -> {
          if (v == null || v.getKindCase() != Value.KindCase.NUMBER_VALUE) {
            return false;
          }
          double d = v.getNumberValue();
          return d >= start && d < end;
        };
      default:
        throw new ConfigException(fieldPath, "one of range or exact is required");
    }
  }

  private static ValueMatch or(List<ValueMatcher> protos, String fieldPath) throws ConfigException {
    if (protos.size() < 2) {
      throw new ConfigException(fieldPath, "must have at least two entries");
    }
    List<ValueMatch> any = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      any.add(value(protos.get(i), fieldPath + "[" + i + "]"));
    }
    List<ValueMatch> matchers = List.copyOf(any);
    return v -> {
      for (int i = 0; i < matchers.size(); i++) {
        if (matchers.get(i).matches(v)) {
          return true;
        }
      }
      return false;
    };
  }
}
