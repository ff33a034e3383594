package io.attache.controlplane.store;

import java.util.List;
import java.util.Optional;

/**
 * The revisioned, durable home of the policy. Every commit is one revision, applied atomically
 * after checking every change's precondition; a commit that returns is durable. Implementations
 * know nothing of validation or translation: callers validate before they commit.
 */
public interface PolicyStore extends AutoCloseable {

  /** The newest revision, 0 for an empty store. */
  long headRevision();

  Optional<StoredResource> get(ResourceKind kind, String name);

  /** Current resources of one kind, sorted by name. */
  List<StoredResource> list(ResourceKind kind);

  /** Every resource that existed at {@code revision}, each with the revision that wrote it. */
  List<StoredResource> stateAt(long revision);

  /** Applies all changes as one new revision, or none of them. Returns the new revision. */
  long commit(List<Change> changes, String summary) throws PreconditionFailedException;

  /**
   * As {@link #commit}, but only while the head is still {@code baseRevision}: the revision the
   * caller read and validated the whole policy against. The head check and the preconditions are
   * decided inside the store's own transaction, so of several replicas validating against the same
   * head exactly one commits; the others get {@link HeadMovedException} and nothing is stored.
   */
  long commitOnHead(long baseRevision, List<Change> changes, String summary)
      throws PreconditionFailedException, HeadMovedException;

  /** All revisions, newest first. */
  List<RevisionInfo> revisions();

  @Override
  void close();
}
