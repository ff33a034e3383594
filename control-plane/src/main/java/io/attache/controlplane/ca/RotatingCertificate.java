package io.attache.controlplane.ca;

import io.attache.controlplane.xds.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One certificate that renews itself when half its lifetime has passed, as Istio's agent does: the
 * new certificate (and new key) replaces the old one well before expiry, so a missed renewal still
 * leaves time for another. Renewal runs on the injected scheduler; the listener hears of each new
 * certificate after it is in place. Thread-safe.
 */
public final class RotatingCertificate implements AutoCloseable {

  private final Supplier<IssuedCertificate> issuer;
  private final Scheduler scheduler;
  private final Clock clock;
  private final Consumer<IssuedCertificate> onRenewal;

  private volatile IssuedCertificate current;
  private Scheduler.ScheduledTask renewal;
  private boolean closed;

  /** Issues the first certificate at once and schedules its renewal. */
  public RotatingCertificate(
      Supplier<IssuedCertificate> issuer,
      Scheduler scheduler,
      Clock clock,
      Consumer<IssuedCertificate> onRenewal) {
    this.issuer = issuer;
    this.scheduler = scheduler;
    this.clock = clock;
    this.onRenewal = onRenewal;
    this.current = issuer.get();
    scheduleRenewal(current);
  }

  public IssuedCertificate current() {
    return current;
  }

  /** When the current certificate is renewed: issue time plus half its lifetime. */
  public Instant renewsAt() {
    IssuedCertificate certificate = current;
    return certificate.issuedAt().plus(certificate.lifetime().dividedBy(2));
  }

  private synchronized void scheduleRenewal(IssuedCertificate certificate) {
    if (closed) {
      return;
    }
    Instant renewAt = certificate.issuedAt().plus(certificate.lifetime().dividedBy(2));
    Duration delay = Duration.between(clock.instant(), renewAt);
    renewal = scheduler.schedule(delay.isNegative() ? Duration.ZERO : delay, this::renew);
  }

  private void renew() {
    IssuedCertificate next;
    synchronized (this) {
      if (closed) {
        return;
      }
      next = issuer.get();
      current = next;
    }
    scheduleRenewal(next);
    onRenewal.accept(next);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (renewal != null) {
      renewal.cancel();
      renewal = null;
    }
  }

  @Override
  public String toString() {
    return "RotatingCertificate[" + current + "]";
  }
}
