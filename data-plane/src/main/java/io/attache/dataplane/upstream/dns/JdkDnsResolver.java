package io.attache.dataplane.upstream.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.attache.dataplane.time.Ticker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The production {@link DnsResolver}: the JDK's blocking {@code InetAddress.getAllByName} run on a
 * small dedicated thread pool, so the caller (an event loop) never blocks. Must never run a lookup
 * on the calling thread.
 *
 * <p>Answers are cached with Caffeine for their TTL. The cache is there because one name is often
 * asked for by several DNS clusters (and by both the refresh of a STRICT_DNS cluster and a
 * LOGICAL_DNS one) within the same few seconds: with the cache they share one lookup and one pool
 * thread instead of queueing blocking calls on a two-thread pool, and concurrent asks for the same
 * name join the one lookup in flight. Failed lookups are not cached, so a refresh after a failure
 * asks again. The JDK does not expose record TTLs, so every answer gets the configured default TTL
 * (keep it at or below the clusters' dns_refresh_rate, or refreshes will see cached answers).
 */
public final class JdkDnsResolver implements DnsResolver, AutoCloseable {
  /** The blocking lookup; the JDK's in production, a fake in tests. */
  @FunctionalInterface
  public interface Lookup {
    InetAddress[] lookup(String hostname) throws UnknownHostException;
  }

  private final Lookup lookup;
  private final ExecutorService executor;
  private final Duration defaultTtl;
  private final AsyncCache<String, List<ResolvedAddress>> cache;

  public JdkDnsResolver(
      Lookup lookup,
      ExecutorService executor,
      Duration defaultTtl,
      Ticker ticker,
      long maxEntries) {
    this.lookup = lookup;
    this.executor = executor;
    this.defaultTtl = defaultTtl;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .ticker(ticker::nanoTime)
            .executor(Runnable::run)
            .expireAfter(new TtlExpiry())
            .buildAsync();
  }

  /** A resolver on two daemon threads with the JDK's lookup and the given default TTL. */
  public static JdkDnsResolver create(Duration defaultTtl) {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            task -> {
              Thread thread = new Thread(task, "attache-dns-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    return new JdkDnsResolver(
        InetAddress::getAllByName, executor, defaultTtl, Ticker.SYSTEM, 10_000);
  }

  @Override
  public CompletableFuture<List<ResolvedAddress>> resolve(String hostname, DnsLookupFamily family) {
    // Cache by name only: one lookup returns both families, and each caller picks its own.
    CompletableFuture<List<ResolvedAddress>> lookup =
        cache.get(
            hostname,
            (name, unused) -> CompletableFuture.supplyAsync(() -> lookupNow(name), executor));
    return lookup.handle(
        (answer, error) -> {
          if (error != null) {
            // Caffeine drops failed futures too, but possibly after our caller already asked again;
            // dropping it here first makes "a failure is never served from the cache" hold.
            cache.asMap().remove(hostname, lookup);
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          }
          return family.select(answer, ResolvedAddress::address);
        });
  }

  private List<ResolvedAddress> lookupNow(String hostname) {
    try {
      List<ResolvedAddress> answer = new ArrayList<>();
      for (InetAddress address : lookup.lookup(hostname)) {
        answer.add(new ResolvedAddress(address, defaultTtl));
      }
      return List.copyOf(answer);
    } catch (UnknownHostException e) {
      throw new CompletionException(e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Keeps each answer for its shortest record TTL. */
  private final class TtlExpiry implements Expiry<String, List<ResolvedAddress>> {
    @Override
    public long expireAfterCreate(String key, List<ResolvedAddress> answer, long currentTime) {
      long ttl = answer.isEmpty() ? defaultTtl.toNanos() : Long.MAX_VALUE;
      for (ResolvedAddress address : answer) {
        ttl = Math.min(ttl, address.ttl().toNanos());
      }
      return Math.max(0, ttl);
    }

    @Override
    public long expireAfterUpdate(
        String key, List<ResolvedAddress> answer, long currentTime, long currentDuration) {
      return expireAfterCreate(key, answer, currentTime);
    }

    @Override
    public long expireAfterRead(
        String key, List<ResolvedAddress> answer, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
