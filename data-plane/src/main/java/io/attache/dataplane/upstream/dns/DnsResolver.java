package io.attache.dataplane.upstream.dns;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Resolves a host name for a DNS cluster. Implementations must return at once and complete the
 * future later, never blocking the calling thread (often a Netty event loop); the future completes
 * exceptionally when the name cannot be resolved, and with an empty list when it resolves to no
 * address of the requested family.
 */
public interface DnsResolver {
  CompletableFuture<List<ResolvedAddress>> resolve(String hostname, DnsLookupFamily family);
}
