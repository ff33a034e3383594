package io.attache.controlplane.store;

/**
 * Another commit landed after the revision a write was validated against, so the write was not
 * stored: validate it again on the new head. Only a store shared by several replicas throws it in
 * practice; within one process writes are already serialised.
 */
public final class HeadMovedException extends Exception {

  private final long baseRevision;
  private final long headRevision;

  public HeadMovedException(long baseRevision, long headRevision) {
    super("validated on revision " + baseRevision + " but the head is now " + headRevision);
    this.baseRevision = baseRevision;
    this.headRevision = headRevision;
  }

  public long baseRevision() {
    return baseRevision;
  }

  public long headRevision() {
    return headRevision;
  }
}
