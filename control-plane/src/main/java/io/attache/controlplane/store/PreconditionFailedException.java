package io.attache.controlplane.store;

/**
 * A write's precondition did not hold: someone else changed the resource first. Nothing was stored.
 */
public final class PreconditionFailedException extends Exception {

  private final ResourceKind kind;
  private final String name;
  private final long currentRevision;

  public PreconditionFailedException(ResourceKind kind, String name, long currentRevision) {
    super(kind + " '" + name + "' is at revision " + currentRevision);
    this.kind = kind;
    this.name = name;
    this.currentRevision = currentRevision;
  }

  public ResourceKind kind() {
    return kind;
  }

  public String name() {
    return name;
  }

  /** 0 when the resource does not exist. */
  public long currentRevision() {
    return currentRevision;
  }
}
