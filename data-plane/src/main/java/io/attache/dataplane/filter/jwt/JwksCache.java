package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.time.Ticker;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The keys of one provider, shared by every event loop of a listener: a {@code local_jwks} for
 * good, or the last {@code remote_jwks} fetched, until its {@code cache_duration} runs out on the
 * injected ticker. Failed fetches are not cached (the next request fetches again). Thread-safe.
 */
final class JwksCache {
  private record Entry(Jwks jwks, long expiresAtNanos) {}

  private final JwtProviderConfig provider;
  private final Ticker ticker;
  private final AtomicReference<Entry> remote = new AtomicReference<>();

  JwksCache(JwtProviderConfig provider, Ticker ticker) {
    this.provider = provider;
    this.ticker = ticker;
  }

  JwtProviderConfig provider() {
    return provider;
  }

  /** The keys to verify with now; null when a remote set must be fetched first. */
  Jwks current() {
    if (provider.localJwks().isPresent()) {
      return provider.localJwks().get();
    }
    Entry e = remote.get();
    return e != null && ticker.nanoTime() - e.expiresAtNanos < 0 ? e.jwks : null;
  }

  /** Keeps a fetched set for the provider's {@code cache_duration}. */
  void store(Jwks jwks) {
    long ttl = provider.remote().orElseThrow().cacheDuration().toNanos();
    remote.set(new Entry(jwks, ticker.nanoTime() + ttl));
  }
}
