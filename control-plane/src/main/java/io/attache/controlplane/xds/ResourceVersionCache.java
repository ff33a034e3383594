package io.attache.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.attache.controlplane.translate.ResourceVersions;
import io.envoyproxy.controlplane.cache.VersionedResource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a push must not redo for a resource that was served before: its content-hash version and its
 * serialised form, remembered per distinct resource content and shared by every node group. A
 * translation that produces a resource equal to one already known gets back that resource's
 * instance, version and bytes, so a push hashes and serialises only what changed, and the server's
 * serialiser finds the bytes of every resource a snapshot holds. Entries that no snapshot of the
 * latest push used are dropped when that push ends. Thread-safe. Must never pair a version or bytes
 * with a resource whose content they were not computed from.
 */
public final class ResourceVersionCache {

  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  /** Keyed by content: protobuf's equals and (memoised) hashCode. */
  private final ConcurrentHashMap<Message, Entry> entries = new ConcurrentHashMap<>();

  private final AtomicLong generation = new AtomicLong();
  private final AtomicLong reused = new AtomicLong();
  private final AtomicLong computed = new AtomicLong();

  /** One known resource: the instance snapshots share, its version and its wire form. */
  private static final class Entry {
    final VersionedResource<?> versioned;
    final Any packed;
    volatile long lastUsed;

    Entry(VersionedResource<?> versioned, Any packed, long lastUsed) {
      this.versioned = versioned;
      this.packed = packed;
      this.lastUsed = lastUsed;
    }
  }

  /**
   * {@code resource} with its version: the known equal resource's instance and version when there
   * is one, else {@code resource} itself, hashed and serialised once here.
   */
  public <T extends Message> VersionedResource<T> versioned(T resource) {
    return versioned(resource, null);
  }

  /**
   * As {@link #versioned(Message)}, first trying {@code previous}: what the same node group was
   * served under the same name before. An unchanged resource is then recognised by one comparison
   * with it, without hashing the new instance's whole content to look it up.
   */
  @SuppressWarnings("unchecked")
  public <T extends Message> VersionedResource<T> versioned(
      T resource, VersionedResource<T> previous) {
    long now = generation.get();
    if (previous != null
        && (previous.resource() == resource || previous.resource().equals(resource))) {
      // The previous instance's hash is memoised and the entry's key is that very instance.
      Entry known = entries.get(previous.resource());
      if (known != null) {
        known.lastUsed = now;
        reused.incrementAndGet();
        return (VersionedResource<T>) known.versioned;
      }
    }
    Entry known = entries.get(resource);
    if (known != null) {
      known.lastUsed = now;
      reused.incrementAndGet();
      return (VersionedResource<T>) known.versioned;
    }
    byte[] bytes = ResourceVersions.deterministicBytes(resource);
    VersionedResource<T> versioned =
        VersionedResource.create(resource, ResourceVersions.ofBytes(bytes));
    Any packed =
        Any.newBuilder()
            .setTypeUrl(TYPE_URL_PREFIX + resource.getDescriptorForType().getFullName())
            // The array is ours alone and never written again: wrapping it saves a copy.
            .setValue(UnsafeByteOperations.unsafeWrap(bytes))
            .build();
    computed.incrementAndGet();
    Entry raced = entries.putIfAbsent(resource, new Entry(versioned, packed, now));
    if (raced != null) {
      raced.lastUsed = now;
      return (VersionedResource<T>) raced.versioned;
    }
    return versioned;
  }

  /**
   * The serialised form of {@code resource} as an {@code Any}, if this cache knows it; found by
   * identity in the common case, since snapshots hold the instances {@link #versioned} returned.
   */
  public Any packed(Message resource) {
    Entry known = entries.get(resource);
    return known == null ? null : known.packed;
  }

  /**
   * A push over every node group begins: what it versions is marked as used by it. Resources
   * versioned outside a push (a node group seen for the first time) belong to the latest one.
   */
  public void pushStarted() {
    generation.incrementAndGet();
  }

  /** The push is over: forgets every resource it did not use. */
  public void pushFinished() {
    long current = generation.get();
    entries.values().removeIf(entry -> entry.lastUsed < current);
  }

  /** Distinct resources known now. */
  public int size() {
    return entries.size();
  }

  /** Resources handed back already versioned and serialised, since start. */
  public long reusedCount() {
    return reused.get();
  }

  /** Resources hashed and serialised here, since start. */
  public long computedCount() {
    return computed.get();
  }
}
