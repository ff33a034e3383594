package io.attache.dataplane.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One runtime value as Envoy keeps it: the raw string and the typed readings it admits (an unsigned
 * integer, a boolean, a fractional percent). Immutable.
 */
public record RuntimeEntry(
    String raw,
    OptionalLong unsignedInteger,
    Optional<Boolean> bool,
    Optional<FractionalPercent> fractionalPercent) {

  static RuntimeEntry ofString(String value) {
    OptionalLong integer = OptionalLong.empty();
    if (value.matches("[0-9]{1,19}")) {
      integer = OptionalLong.of(Long.parseLong(value));
    }
    Optional<Boolean> bool =
        value.equals("true")
            ? Optional.of(true)
            : value.equals("false") ? Optional.of(false) : Optional.empty();
    return new RuntimeEntry(value, integer, bool, Optional.empty());
  }

  static RuntimeEntry ofNumber(double value) {
    boolean integral = value >= 0 && value == Math.rint(value) && value < 0x1p63;
    String raw = integral ? Long.toString((long) value) : Double.toString(value);
    return new RuntimeEntry(
        raw,
        integral ? OptionalLong.of((long) value) : OptionalLong.empty(),
        Optional.empty(),
        Optional.empty());
  }

  static RuntimeEntry ofBoolean(boolean value) {
    return new RuntimeEntry(
        Boolean.toString(value), OptionalLong.empty(), Optional.of(value), Optional.empty());
  }

  /** As Envoy: a struct that is not a valid FractionalPercent stays a raw value, not an error. */
  static RuntimeEntry ofFractionalPercent(Struct value) {
    String json;
    try {
      json = JsonFormat.printer().omittingInsignificantWhitespace().print(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Struct always prints as JSON", e);
    }
    FractionalPercent.Builder percent = FractionalPercent.newBuilder();
    try {
      JsonFormat.parser().merge(json, percent);
    } catch (InvalidProtocolBufferException notAPercent) {
      return new RuntimeEntry(json, OptionalLong.empty(), Optional.empty(), Optional.empty());
    }
    return new RuntimeEntry(
        json, OptionalLong.empty(), Optional.empty(), Optional.of(percent.build()));
  }
}
