package io.attache.controlplane.store;

import com.google.protobuf.Message;

/**
 * One stored policy object as of a revision. {@code revision} is the revision that last wrote it:
 * its ETag, and what an If-Match precondition compares against.
 */
public record StoredResource(ResourceKind kind, String name, Message body, long revision) {}
