package io.attache.controlplane.rest;

import java.util.Arrays;
import java.util.Optional;

/** What a bearer token of the admin API may do. Spelled in token files as {@link #label()}. */
public enum AdminRole {
  /** Reads and writes everything. */
  ADMIN("admin"),
  /** GET, HEAD and OPTIONS only; every other method is 403. */
  READ_ONLY("read-only");

  private final String label;

  AdminRole(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static Optional<AdminRole> byLabel(String label) {
    return Arrays.stream(values()).filter(r -> r.label.equals(label)).findFirst();
  }
}
