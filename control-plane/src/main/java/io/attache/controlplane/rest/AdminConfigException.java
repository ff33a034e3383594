package io.attache.controlplane.rest;

/**
 * A token file, certificate or key the admin API cannot start with. The message names the file and,
 * for token files, the line — never the token itself.
 */
public final class AdminConfigException extends IllegalArgumentException {

  public AdminConfigException(String message) {
    super(message);
  }

  public AdminConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
