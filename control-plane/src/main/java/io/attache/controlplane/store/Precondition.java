package io.attache.controlplane.store;

/**
 * What a write expects of the current state of one resource (optimistic concurrency): anything,
 * absent (create only), or last written at a given revision (If-Match).
 */
public record Precondition(long expectedRevision) {

  private static final long ANY = -1;
  private static final long ABSENT = 0;

  public static Precondition any() {
    return new Precondition(ANY);
  }

  public static Precondition absent() {
    return new Precondition(ABSENT);
  }

  public static Precondition revision(long revision) {
    return new Precondition(revision);
  }

  /** Whether a resource currently at {@code currentRevision} (0 = absent) satisfies this. */
  public boolean admits(long currentRevision) {
    return expectedRevision == ANY || expectedRevision == currentRevision;
  }
}
