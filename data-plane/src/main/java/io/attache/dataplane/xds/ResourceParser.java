package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.config.FieldSupport;
import io.attache.dataplane.config.SupportMatrix;
import io.attache.dataplane.config.TypedStructs;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The common half of every per-type parser: unpacks the {@code Any}, checks its type and name,
 * unwraps TypedStructs, runs the field-support registry and then the type's own validator, and
 * turns any failure into an error naming the resource and field path. One bad resource yields one
 * error; it never throws, so the caller sees every bad resource of a response. Pure: touches no
 * state.
 */
abstract class ResourceParser<T extends Message> {
  private final XdsResourceType type;
  private final Class<T> protoClass;
  private final String collection;

  ResourceParser(XdsResourceType type, Class<T> protoClass, String collection) {
    this.type = type;
    this.protoClass = protoClass;
    this.collection = collection;
  }

  /**
   * The outcome for one resource: either {@code resource} or {@code error} is present; {@code
   * unknownField} names the first field the protos did not know, if any.
   */
  record Outcome(
      String name,
      Optional<ParsedResource> resource,
      Optional<String> error,
      Optional<String> unknownField) {
    static Outcome parsed(ParsedResource resource, Optional<String> unknownField) {
      return new Outcome(resource.name(), Optional.of(resource), Optional.empty(), unknownField);
    }

    static Outcome rejected(String name, String error) {
      return new Outcome(name, Optional.empty(), Optional.of(error), Optional.empty());
    }
  }

  XdsResourceType type() {
    return type;
  }

  /** Parses the {@code index}-th resource of a response. */
  final Outcome parse(Any any, int index) {
    String indexPath = collection + "[" + index + "]";
    if (!any.getTypeUrl().equals(type.typeUrl())) {
      return Outcome.rejected(
          "", indexPath + ": type_url " + any.getTypeUrl() + " in a " + type + " response");
    }
    T proto;
    try {
      proto = any.unpack(protoClass);
    } catch (InvalidProtocolBufferException e) {
      return Outcome.rejected("", indexPath + ": cannot be decoded: " + e.getMessage());
    }
    String name = nameOf(proto);
    if (name.isEmpty()) {
      return Outcome.rejected("", indexPath + ".name: must not be empty");
    }
    String path = collection + "[\"" + name + "\"]";
    try {
      proto = TypedStructs.unwrap(proto, path);
    } catch (ConfigException e) {
      return Outcome.rejected(name, e.getMessage());
    }
    List<FieldSupport.Finding> rejected =
        SupportMatrix.get().check(proto, path).stream()
            .filter(f -> f.status() == FieldSupport.Status.REJECTED)
            .filter(f -> !handledHere(f.path(), path))
            .toList();
    if (!rejected.isEmpty()) {
      return Outcome.rejected(
          name,
          rejected.stream().map(FieldSupport.Finding::toString).collect(Collectors.joining("; ")));
    }
    try {
      return Outcome.parsed(
          new ParsedResource(type, name, proto, validate(proto, name, path)),
          UnknownDynamicFields.firstUnknown(proto, path));
    } catch (ConfigException e) {
      return Outcome.rejected(name, e.getMessage());
    }
  }

  abstract String nameOf(T proto);

  /**
   * Validates with the data plane's own parser and returns what the resource waits for.
   *
   * @throws ConfigException naming the first field the proxy cannot honour
   */
  abstract List<Dependency> validate(T proto, String name, String path) throws ConfigException;

  /**
   * Whether a field the registry rejects is honoured by this parser's own adapter (RDS, EDS), so
   * that finding does not apply to resources arriving over ADS.
   */
  boolean handledHere(String findingPath, String resourcePath) {
    return false;
  }
}
