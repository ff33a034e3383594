package io.attache.dataplane.config;

/**
 * A configuration that cannot be honoured: the message names the offending field by its path (e.g.
 * {@code static_resources.clusters[0].connect_timeout}). Thrown before anything is applied, so a
 * rejected config never changes what is running.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String fieldPath;

  public ConfigException(String fieldPath, String message) {
    super(fieldPath.isEmpty() ? message : fieldPath + ": " + message);
    this.fieldPath = fieldPath;
  }

  public ConfigException(String fieldPath, String message, Throwable cause) {
    super(fieldPath.isEmpty() ? message : fieldPath + ": " + message, cause);
    this.fieldPath = fieldPath;
  }

  /** The dotted path of the field at fault, in Envoy's snake_case names; empty for the root. */
  public String fieldPath() {
    return fieldPath;
  }
}
