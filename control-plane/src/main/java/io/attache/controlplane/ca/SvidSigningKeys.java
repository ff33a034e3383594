package io.attache.controlplane.ca;

import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.translate.XdsNames;
import io.attache.controlplane.xds.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWT-SVID signing keys of every workload identity that has asked for one, and the trust
 * domain's JWKS made of their public halves. Each identity has its own key ring: the {@code
 * current} key (the one its proxies sign with, delivered over SDS to that identity only), the
 * {@code next} one (published in the JWKS a whole rotation period before it signs anything, so a
 * verifier's cached JWKS already knows it when the rotation happens) and the {@code previous} one
 * (published for a whole period after it stopped signing, so tokens it signed verify until they
 * expire — hence a token lifetime may never exceed the period). Rotation runs every {@code
 * rotationPeriod} on the injected scheduler and is announced to the listeners (the snapshot
 * publisher, which pushes the identity's new SDS secret). Thread-safe; listeners are called outside
 * any lock of this class. Never logs or prints private key material.
 */
public final class SvidSigningKeys implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SvidSigningKeys.class);

  /**
   * The SDS secret (a generic_secret holding the current private JWK) an identity's proxies get.
   */
  public static final String SDS_SECRET_NAME = XdsNames.JWT_SVID_SIGNING_KEY_SECRET;

  /**
   * How often a control plane rotates each identity's key: tokens may live at most this long (the
   * REST defaults cap the lifetime well below it), and a verifier's JWKS cache must be shorter.
   */
  public static final Duration DEFAULT_ROTATION_PERIOD = Duration.ofHours(6);

  private final Duration rotationPeriod;
  private final Scheduler scheduler;
  private final Supplier<SvidSigningKey> generator;
  private final Map<SpiffeId, KeyRing> byIdentity = new ConcurrentHashMap<>();
  private final List<Consumer<SpiffeId>> listeners = new CopyOnWriteArrayList<>();

  /** {@code generator} makes each new key ({@link SvidSigningKey#generate} outside tests). */
  public SvidSigningKeys(
      Duration rotationPeriod, Scheduler scheduler, Supplier<SvidSigningKey> generator) {
    if (rotationPeriod.isNegative() || rotationPeriod.isZero()) {
      throw new IllegalArgumentException("signing key rotation period must be positive");
    }
    this.rotationPeriod = rotationPeriod;
    this.scheduler = scheduler;
    this.generator = generator;
  }

  public Duration rotationPeriod() {
    return rotationPeriod;
  }

  /** Called with the identity after each rotation, on the scheduler's thread. */
  public void addRotationListener(Consumer<SpiffeId> listener) {
    listeners.add(listener);
  }

  /** The key the identity signs with now; its first ring (current and next) on first demand. */
  public SvidSigningKey currentFor(SpiffeId identity) {
    return byIdentity
        .computeIfAbsent(
            identity,
            id -> {
              KeyRing ring = new KeyRing(id);
              LOG.info("created the JWT-SVID signing keys of {}: {}", id, ring.current);
              return ring;
            })
        .current();
  }

  /**
   * The trust domain's JWKS (RFC 7517): the previous, current and next public key of every identity
   * that has keys, ordered by identity then age, so equal states render equal bytes.
   */
  public String jwks() {
    List<SpiffeId> identities = new ArrayList<>(byIdentity.keySet());
    identities.sort(
        java.util.Comparator.comparing(SpiffeId::uri, java.util.Comparator.naturalOrder()));
    StringBuilder json = new StringBuilder("{\"keys\":[");
    boolean first = true;
    for (SpiffeId id : identities) {
      KeyRing ring = byIdentity.get(id);
      if (ring == null) {
        continue;
      }
      for (SvidSigningKey key : ring.published()) {
        json.append(first ? "" : ",").append(key.publicJwk());
        first = false;
      }
    }
    return json.append("]}").toString();
  }

  @Override
  public void close() {
    byIdentity.values().forEach(KeyRing::close);
  }

  /** One identity's keys and its rotation timer. */
  private final class KeyRing {
    private final SpiffeId identity;
    private SvidSigningKey previous;
    private SvidSigningKey current;
    private SvidSigningKey next;
    private Scheduler.ScheduledTask rotation;
    private boolean closed;

    KeyRing(SpiffeId identity) {
      this.identity = identity;
      this.current = generator.get();
      this.next = generator.get();
      this.rotation = scheduler.schedule(rotationPeriod, this::rotate);
    }

    synchronized SvidSigningKey current() {
      return current;
    }

    synchronized List<SvidSigningKey> published() {
      List<SvidSigningKey> keys = new ArrayList<>(3);
      if (previous != null) {
        keys.add(previous);
      }
      keys.add(current);
      keys.add(next);
      return keys;
    }

    private void rotate() {
      SvidSigningKey now;
      synchronized (this) {
        if (closed) {
          return;
        }
        previous = current;
        current = next;
        next = generator.get();
        now = current;
        rotation = scheduler.schedule(rotationPeriod, this::rotate);
      }
      LOG.info("rotated the JWT-SVID signing key of {} to {}", identity, now);
      for (Consumer<SpiffeId> listener : listeners) {
        listener.accept(identity);
      }
    }

    synchronized void close() {
      closed = true;
      if (rotation != null) {
        rotation.cancel();
        rotation = null;
      }
    }
  }
}
