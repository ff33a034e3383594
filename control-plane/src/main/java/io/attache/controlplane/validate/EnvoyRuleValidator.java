package io.attache.controlplane.validate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Evaluates the protoc-gen-validate rules embedded in Envoy's API descriptors ({@code
 * validate.rules} field options, {@code validate.required} oneofs, {@code validate.disabled}
 * messages) on any message, walking nested messages and the content of {@code Any} fields it can
 * resolve — so what passes here is not NACKed by a stock Envoy for those reasons. Reads descriptors
 * only; never changes a message. Thread-safe.
 *
 * <p>Rule kinds evaluated: numeric const/lt/lte/gt/gte/in/not_in (every scalar and wrapper type),
 * bool const, string const/len/min_len/max_len/len_bytes/min_bytes/max_bytes/pattern/prefix/suffix/
 * contains/not_contains/in/not_in/well_known_regex, bytes const/len/min_len/max_len/prefix/suffix/
 * contains, enum const/defined_only/in/not_in, message required/skip, repeated min_items/max_items/
 * unique/items, map min_pairs/max_pairs/keys/values, duration required/const/lt/lte/gt/gte,
 * timestamp required, any required/in/not_in; and, as Envoy does for every Duration it loads, no
 * negative duration. Not evaluated (accepted as is): string
 * email/hostname/ip/ipv4/ipv6/uri/uri_ref/address/uuid and timestamp bounds, none of which occur on
 * the resources Attaché generates.
 */
public final class EnvoyRuleValidator {

  private static final Pattern HEADER_NAME_STRICT =
      Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
  private static final Pattern HEADER_VALUE_STRICT = Pattern.compile("^[^\u0000\n\r]*$");
  private static final Pattern NO_NUL_CR_LF = Pattern.compile("^[^\u0000\n\r]*$");

  private final TypeRegistry types;
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  public EnvoyRuleValidator(TypeRegistry types) {
    this.types = types;
  }

  /** Every violated rule in {@code message}, paths relative to it; empty when valid. */
  public List<Violation> validate(Message message) {
    List<Violation> violations = new ArrayList<>();
    walk(message, "", violations);
    return violations;
  }

  private void walk(Message message, String path, List<Violation> out) {
    Descriptor type = message.getDescriptorForType();
    if (type.getOptions().getExtension(Validate.disabled)
        || type.getOptions().getExtension(Validate.ignored)) {
      return;
    }
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
        out.add(
            new Violation(join(path, oneof.getName()), "exactly one field is required in oneof"));
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      String fieldPath = join(path, field.getName());
      FieldRules rules = field.getOptions().getExtension(Validate.rules);
      if (field.isMapField()) {
        checkMap(message, field, rules, fieldPath, out);
      } else if (field.isRepeated()) {
        checkRepeated(message, field, rules, fieldPath, out);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (!message.hasField(field)) {
          if (field.getRealContainingOneof() != null) {
            continue; // rules on a oneof member apply only when it is the one set
          }
          if (rules.getMessage().getRequired() || requiredByTypeRules(rules)) {
            out.add(new Violation(fieldPath, "value is required"));
          }
          continue;
        }
        checkValue(field, message.getField(field), rules, fieldPath, out);
      } else {
        boolean inUnsetOneof = field.getContainingOneof() != null && !message.hasField(field);
        if (!inUnsetOneof) {
          checkValue(field, message.getField(field), rules, fieldPath, out);
        }
      }
    }
  }

  private void checkMap(
      Message message, FieldDescriptor field, FieldRules rules, String path, List<Violation> out) {
    int pairs = message.getRepeatedFieldCount(field);
    Validate.MapRules map = rules.getMap();
    if (!(map.getIgnoreEmpty() && pairs == 0)) {
      if (map.hasMinPairs() && pairs < map.getMinPairs()) {
        out.add(
            new Violation(path, "value must contain at least " + map.getMinPairs() + " pair(s)"));
      }
      if (map.hasMaxPairs() && pairs > map.getMaxPairs()) {
        out.add(
            new Violation(
                path, "value must contain no more than " + map.getMaxPairs() + " pair(s)"));
      }
    }
    FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
    for (int i = 0; i < pairs; i++) {
      Message entry = (Message) message.getRepeatedField(field, i);
      Object key = entry.getField(keyField);
      String entryPath = path + "[\"" + key + "\"]";
      checkValue(keyField, key, map.getKeys(), entryPath, out);
      checkValue(valueField, entry.getField(valueField), map.getValues(), entryPath, out);
    }
  }

  private void checkRepeated(
      Message message, FieldDescriptor field, FieldRules rules, String path, List<Violation> out) {
    int count = message.getRepeatedFieldCount(field);
    Validate.RepeatedRules repeated = rules.getRepeated();
    if (!(repeated.getIgnoreEmpty() && count == 0)) {
      if (repeated.hasMinItems() && count < repeated.getMinItems()) {
        out.add(
            new Violation(
                path, "value must contain at least " + repeated.getMinItems() + " item(s)"));
      }
      if (repeated.hasMaxItems() && count > repeated.getMaxItems()) {
        out.add(
            new Violation(
                path, "value must contain no more than " + repeated.getMaxItems() + " item(s)"));
      }
      if (repeated.getUnique()) {
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
          if (!seen.add(message.getRepeatedField(field, i))) {
            out.add(
                new Violation(path + "[" + i + "]", "repeated value must contain unique items"));
          }
        }
      }
    }
    for (int i = 0; i < count; i++) {
      checkValue(
          field,
          message.getRepeatedField(field, i),
          repeated.getItems(),
          path + "[" + i + "]",
          out);
    }
  }

  /** One singular value (a field, a list item, a map key or value) against its rules. */
  private void checkValue(
      FieldDescriptor field, Object value, FieldRules rules, String path, List<Violation> out) {
    if (value instanceof Message nested) {
      checkMessageValue(nested, rules, path, out);
      return;
    }
    switch (rules.getTypeCase()) {
      case STRING:
        checkString((String) value, rules.getString(), path, out);
        break;
      case BYTES:
        checkBytes((ByteString) value, rules.getBytes(), path, out);
        break;
      case ENUM:
        checkEnum((EnumValueDescriptor) value, rules.getEnum(), path, out);
        break;
      case BOOL:
        if (rules.getBool().hasConst() && rules.getBool().getConst() != (Boolean) value) {
          out.add(new Violation(path, "value must equal " + rules.getBool().getConst()));
        }
        break;
      case TYPE_NOT_SET:
        break;
      default:
        checkNumber(value, field.getType(), numericRules(rules), path, out);
    }
  }

  private void checkMessageValue(
      Message value, FieldRules rules, String path, List<Violation> out) {
    String fullName = value.getDescriptorForType().getFullName();
    switch (fullName) {
      case "google.protobuf.Duration":
        checkDuration(value, rules.getDuration(), path, out);
        return;
      case "google.protobuf.Timestamp":
      case "google.protobuf.Struct":
      case "google.protobuf.Value":
      case "google.protobuf.ListValue":
        return;
      case "google.protobuf.Any":
        checkAny(value, rules.getAny(), path, out);
        return;
      default:
        break;
    }
    if (fullName.startsWith("google.protobuf.") && fullName.endsWith("Value")) {
      FieldDescriptor wrapped = value.getDescriptorForType().findFieldByName("value");
      checkValue(wrapped, value.getField(wrapped), rules, path, out);
      return;
    }
    if (!rules.getMessage().getSkip()) {
      walk(value, path, out);
    }
  }

  private void checkAny(Message value, Validate.AnyRules rules, String path, List<Violation> out) {
    String typeUrl =
        (String) value.getField(value.getDescriptorForType().findFieldByName("type_url"));
    if (rules.getInCount() > 0 && !rules.getInList().contains(typeUrl)) {
      out.add(new Violation(path, "type URL must be in list " + rules.getInList()));
    }
    if (rules.getNotInList().contains(typeUrl)) {
      out.add(new Violation(path, "type URL must not be in list " + rules.getNotInList()));
    }
    Descriptor packed;
    try {
      packed = types.getDescriptorForTypeUrl(typeUrl);
    } catch (InvalidProtocolBufferException e) {
      out.add(new Violation(path, "invalid type URL " + typeUrl));
      return;
    }
    if (packed == null) {
      return;
    }
    try {
      ByteString bytes =
          value instanceof Any any
              ? any.getValue()
              : (ByteString) value.getField(value.getDescriptorForType().findFieldByName("value"));
      walk(DynamicMessage.parseFrom(packed, bytes), path, out);
    } catch (InvalidProtocolBufferException e) {
      out.add(new Violation(path, "cannot decode " + typeUrl + ": " + e.getMessage()));
    }
  }

  private static void checkDuration(
      Message value, Validate.DurationRules rules, String path, List<Violation> out) {
    BigDecimal seconds = durationSeconds(value);
    if (seconds.signum() < 0) {
      // Not a PGV rule: Envoy checks every Duration of a resource it loads (MessageUtil).
      out.add(new Violation(path, "Invalid duration: Expected positive duration"));
    }
    if (rules.hasConst() && seconds.compareTo(durationSeconds(rules.getConst())) != 0) {
      out.add(new Violation(path, "value must equal " + format(rules.getConst())));
    }
    if (rules.hasLt() && seconds.compareTo(durationSeconds(rules.getLt())) >= 0) {
      out.add(new Violation(path, "value must be less than " + format(rules.getLt())));
    }
    if (rules.hasLte() && seconds.compareTo(durationSeconds(rules.getLte())) > 0) {
      out.add(new Violation(path, "value must be less than or equal to " + format(rules.getLte())));
    }
    if (rules.hasGt() && seconds.compareTo(durationSeconds(rules.getGt())) <= 0) {
      out.add(new Violation(path, "value must be greater than " + format(rules.getGt())));
    }
    if (rules.hasGte() && seconds.compareTo(durationSeconds(rules.getGte())) < 0) {
      out.add(
          new Violation(path, "value must be greater than or equal to " + format(rules.getGte())));
    }
  }

  private void checkString(
      String value, Validate.StringRules rules, String path, List<Violation> out) {
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    long chars = value.codePointCount(0, value.length());
    long bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (rules.hasConst() && !rules.getConst().equals(value)) {
      out.add(new Violation(path, "value must equal " + rules.getConst()));
    }
    if (rules.hasLen() && chars != rules.getLen()) {
      out.add(new Violation(path, "value length must be " + rules.getLen() + " characters"));
    }
    if (rules.hasMinLen() && chars < rules.getMinLen()) {
      out.add(
          new Violation(
              path, "value length must be at least " + rules.getMinLen() + " characters"));
    }
    if (rules.hasMaxLen() && chars > rules.getMaxLen()) {
      out.add(
          new Violation(path, "value length must be at most " + rules.getMaxLen() + " characters"));
    }
    if (rules.hasLenBytes() && bytes != rules.getLenBytes()) {
      out.add(new Violation(path, "value length must be " + rules.getLenBytes() + " bytes"));
    }
    if (rules.hasMinBytes() && bytes < rules.getMinBytes()) {
      out.add(
          new Violation(path, "value length must be at least " + rules.getMinBytes() + " bytes"));
    }
    if (rules.hasMaxBytes() && bytes > rules.getMaxBytes()) {
      out.add(
          new Violation(path, "value length must be at most " + rules.getMaxBytes() + " bytes"));
    }
    if (rules.hasPattern() && !pattern(rules.getPattern()).matcher(value).find()) {
      out.add(
          new Violation(path, "value does not match regex pattern \"" + rules.getPattern() + "\""));
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      out.add(new Violation(path, "value does not have prefix \"" + rules.getPrefix() + "\""));
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      out.add(new Violation(path, "value does not have suffix \"" + rules.getSuffix() + "\""));
    }
    if (rules.hasContains() && !value.contains(rules.getContains())) {
      out.add(
          new Violation(path, "value does not contain substring \"" + rules.getContains() + "\""));
    }
    if (rules.hasNotContains() && value.contains(rules.getNotContains())) {
      out.add(new Violation(path, "value contains substring \"" + rules.getNotContains() + "\""));
    }
    if (rules.getInCount() > 0 && !rules.getInList().contains(value)) {
      out.add(new Violation(path, "value must be in list " + rules.getInList()));
    }
    if (rules.getNotInList().contains(value)) {
      out.add(new Violation(path, "value must not be in list " + rules.getNotInList()));
    }
    if (rules.hasWellKnownRegex()) {
      boolean strict = !rules.hasStrict() || rules.getStrict();
      Pattern regex;
      switch (rules.getWellKnownRegex()) {
        case HTTP_HEADER_NAME:
          regex = strict ? HEADER_NAME_STRICT : NO_NUL_CR_LF;
          break;
        case HTTP_HEADER_VALUE:
          regex = strict ? HEADER_VALUE_STRICT : NO_NUL_CR_LF;
          break;
        default:
          regex = null;
      }
      if (regex != null && !value.isEmpty() && !regex.matcher(value).matches()) {
        out.add(new Violation(path, "value does not match " + rules.getWellKnownRegex()));
      }
    }
  }

  private static void checkBytes(
      ByteString value, Validate.BytesRules rules, String path, List<Violation> out) {
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    if (rules.hasConst() && !rules.getConst().equals(value)) {
      out.add(new Violation(path, "value must equal the constant"));
    }
    if (rules.hasLen() && value.size() != rules.getLen()) {
      out.add(new Violation(path, "value length must be " + rules.getLen() + " bytes"));
    }
    if (rules.hasMinLen() && value.size() < rules.getMinLen()) {
      out.add(new Violation(path, "value length must be at least " + rules.getMinLen() + " bytes"));
    }
    if (rules.hasMaxLen() && value.size() > rules.getMaxLen()) {
      out.add(new Violation(path, "value length must be at most " + rules.getMaxLen() + " bytes"));
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      out.add(new Violation(path, "value does not have the required prefix"));
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      out.add(new Violation(path, "value does not have the required suffix"));
    }
  }

  private static void checkEnum(
      EnumValueDescriptor value, Validate.EnumRules rules, String path, List<Violation> out) {
    int number = value.getNumber();
    if (rules.hasConst() && number != rules.getConst()) {
      out.add(new Violation(path, "value must equal " + rules.getConst()));
    }
    if (rules.getDefinedOnly() && value.getType().findValueByNumber(number) == null) {
      out.add(new Violation(path, "value must be one of the defined enum values"));
    }
    if (rules.getInCount() > 0 && !rules.getInList().contains(number)) {
      out.add(new Violation(path, "value must be in list " + rules.getInList()));
    }
    if (rules.getNotInList().contains(number)) {
      out.add(new Violation(path, "value must not be in list " + rules.getNotInList()));
    }
  }

  private static void checkNumber(
      Object value, FieldDescriptor.Type type, Message rules, String path, List<Violation> out) {
    if (rules == null) {
      return;
    }
    BigDecimal number = decimal(value, type);
    Descriptor ruleType = rules.getDescriptorForType();
    FieldDescriptor ignoreEmpty = ruleType.findFieldByName("ignore_empty");
    if (ignoreEmpty != null && (Boolean) rules.getField(ignoreEmpty) && number.signum() == 0) {
      return;
    }
    BigDecimal constant = bound(rules, "const", type);
    if (constant != null && number.compareTo(constant) != 0) {
      out.add(new Violation(path, "value must equal " + plain(constant)));
    }
    BigDecimal lt = bound(rules, "lt", type);
    if (lt != null && number.compareTo(lt) >= 0) {
      out.add(new Violation(path, "value must be less than " + plain(lt)));
    }
    BigDecimal lte = bound(rules, "lte", type);
    if (lte != null && number.compareTo(lte) > 0) {
      out.add(new Violation(path, "value must be less than or equal to " + plain(lte)));
    }
    BigDecimal gt = bound(rules, "gt", type);
    if (gt != null && number.compareTo(gt) <= 0) {
      out.add(new Violation(path, "value must be greater than " + plain(gt)));
    }
    BigDecimal gte = bound(rules, "gte", type);
    if (gte != null && number.compareTo(gte) < 0) {
      out.add(new Violation(path, "value must be greater than or equal to " + plain(gte)));
    }
    FieldDescriptor in = ruleType.findFieldByName("in");
    if (in != null && rules.getRepeatedFieldCount(in) > 0) {
      boolean found = false;
      for (int i = 0; i < rules.getRepeatedFieldCount(in); i++) {
        found |= decimal(rules.getRepeatedField(in, i), type).compareTo(number) == 0;
      }
      if (!found) {
        out.add(new Violation(path, "value must be in list " + rules.getField(in)));
      }
    }
    FieldDescriptor notIn = ruleType.findFieldByName("not_in");
    if (notIn != null) {
      for (int i = 0; i < rules.getRepeatedFieldCount(notIn); i++) {
        if (decimal(rules.getRepeatedField(notIn, i), type).compareTo(number) == 0) {
          out.add(new Violation(path, "value must not be in list " + rules.getField(notIn)));
        }
      }
    }
  }

  private static Message numericRules(FieldRules rules) {
    FieldDescriptor chosen =
        FieldRules.getDescriptor().getOneofs().stream()
            .filter(o -> o.getName().equals("type"))
            .findFirst()
            .map(rules::getOneofFieldDescriptor)
            .orElse(null);
    if (chosen == null || chosen.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return null;
    }
    return (Message) rules.getField(chosen);
  }

  private static BigDecimal bound(Message rules, String name, FieldDescriptor.Type type) {
    FieldDescriptor field = rules.getDescriptorForType().findFieldByName(name);
    if (field == null || !rules.hasField(field)) {
      return null;
    }
    return decimal(rules.getField(field), type);
  }

  private static BigDecimal decimal(Object value, FieldDescriptor.Type type) {
    boolean unsigned =
        type == FieldDescriptor.Type.UINT32
            || type == FieldDescriptor.Type.FIXED32
            || type == FieldDescriptor.Type.UINT64
            || type == FieldDescriptor.Type.FIXED64;
    if (value instanceof Integer i) {
      return BigDecimal.valueOf(unsigned ? Integer.toUnsignedLong(i) : i);
    }
    if (value instanceof Long l) {
      return unsigned
          ? new BigDecimal(new BigInteger(Long.toUnsignedString(l)))
          : BigDecimal.valueOf(l);
    }
    if (value instanceof Float f) {
      return new BigDecimal(f.toString());
    }
    if (value instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    return BigDecimal.ZERO;
  }

  private static String plain(BigDecimal number) {
    return number.stripTrailingZeros().toPlainString();
  }

  private static boolean requiredByTypeRules(FieldRules rules) {
    return (rules.hasDuration() && rules.getDuration().getRequired())
        || (rules.hasTimestamp() && rules.getTimestamp().getRequired())
        || (rules.hasAny() && rules.getAny().getRequired());
  }

  private static BigDecimal durationSeconds(Message duration) {
    Descriptor type = duration.getDescriptorForType();
    long seconds = (Long) duration.getField(type.findFieldByName("seconds"));
    int nanos = (Integer) duration.getField(type.findFieldByName("nanos"));
    return BigDecimal.valueOf(seconds).add(BigDecimal.valueOf(nanos, 9));
  }

  private static String format(Message duration) {
    return durationSeconds(duration).stripTrailingZeros().toPlainString() + "s";
  }

  private Pattern pattern(String regex) {
    return patterns.computeIfAbsent(
        regex,
        r -> {
          try {
            return Pattern.compile(r);
          } catch (PatternSyntaxException e) {
            // RE2 syntax Java cannot compile: accept rather than reject what Envoy would take.
            return Pattern.compile("");
          }
        });
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
