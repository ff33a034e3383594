package io.attache.controlplane.store;

import java.time.Instant;

/** One committed revision: every write, including a rollback, is one. */
public record RevisionInfo(long revision, Instant createdAt, String summary) {}
