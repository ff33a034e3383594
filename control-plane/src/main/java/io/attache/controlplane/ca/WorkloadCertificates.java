package io.attache.controlplane.ca;

import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.xds.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current certificate of every workload identity that has been served one: issued on first
 * demand, renewed at half its lifetime, and each renewal announced to the listeners (the snapshot
 * publisher, which pushes the new SDS secrets). Only ever asked for identities a peer has proved.
 * Thread-safe; listeners are called outside any lock of this class.
 */
public final class WorkloadCertificates implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkloadCertificates.class);

  private final CertificateAuthority ca;
  private final Duration lifetime;
  private final Scheduler scheduler;
  private final Clock clock;
  private final Map<SpiffeId, RotatingCertificate> byIdentity = new ConcurrentHashMap<>();
  private final List<Consumer<SpiffeId>> listeners = new CopyOnWriteArrayList<>();

  public WorkloadCertificates(
      CertificateAuthority ca, Duration lifetime, Scheduler scheduler, Clock clock) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("workload certificate lifetime must be positive");
    }
    this.ca = ca;
    this.lifetime = lifetime;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  public CertificateAuthority authority() {
    return ca;
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** Called with the identity after each renewal, on the scheduler's thread. */
  public void addRenewalListener(Consumer<SpiffeId> listener) {
    listeners.add(listener);
  }

  /** The identity's current certificate, issuing the first one if it has none yet. */
  public IssuedCertificate certificateFor(SpiffeId identity) {
    return byIdentity
        .computeIfAbsent(
            identity,
            id -> {
              RotatingCertificate rotating =
                  new RotatingCertificate(
                      () -> ca.issueWorkload(id, lifetime), scheduler, clock, this::renewed);
              log.info("issued the first certificate for {}: {}", id, rotating.current());
              return rotating;
            })
        .current();
  }

  /** What may be shown of the identity's current certificate; NONE if it was never issued one. */
  public CertificateInfo info(SpiffeId identity) {
    RotatingCertificate rotating = byIdentity.get(identity);
    return rotating == null ? CertificateInfo.NONE : rotating.current().info();
  }

  private void renewed(IssuedCertificate next) {
    log.info("renewed the certificate of {}: {}", next.identity(), next);
    for (Consumer<SpiffeId> listener : listeners) {
      listener.accept(next.identity());
    }
  }

  @Override
  public void close() {
    byIdentity.values().forEach(RotatingCertificate::close);
  }
}
