package io.attache.controlplane.validate;

/**
 * One broken rule: the offending field's path (Envoy snake_case, e.g. {@code endpoints[0].port})
 * and why.
 */
public record Violation(String field, String message) {

  /**
   * The same violation seen from an enclosing object, e.g. prefixing {@code clusters["orders"]}.
   */
  public Violation under(String prefix) {
    if (prefix.isEmpty()) {
      return this;
    }
    return new Violation(field.isEmpty() ? prefix : prefix + "." + field, message);
  }
}
