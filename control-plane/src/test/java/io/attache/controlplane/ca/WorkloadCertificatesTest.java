package io.attache.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadCertificatesTest {

  private static final SpiffeId ORDERS = new SpiffeId("attache.local", "shop", "orders");
  private static final SpiffeId USERS = new SpiffeId("attache.local", "shop", "users");

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler();
  private WorkloadCertificates certificates;

  @TempDir Path dataDir;

  @AfterEach
  void noTimersLeft() {
    certificates.close();
    assertThat(scheduler.pendingDelays()).isEmpty();
  }

  private WorkloadCertificates start(Duration lifetime) throws Exception {
    certificates =
        new WorkloadCertificates(
            CertificateAuthority.generatedIn(dataDir, "attache.local", clock),
            lifetime,
            scheduler,
            clock);
    return certificates;
  }

  private void advance(Duration by) {
    clock.advance(by);
    scheduler.advance(by);
  }

  @Test
  void issuesOnFirstDemandAndSchedulesRenewalAtHalfTheLifetime() throws Exception {
    start(Duration.ofHours(24));
    assertThat(certificates.info(ORDERS)).isEqualTo(CertificateInfo.NONE);

    IssuedCertificate first = certificates.certificateFor(ORDERS);

    assertThat(certificates.certificateFor(ORDERS)).isSameAs(first);
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofHours(12));
    assertThat(certificates.info(ORDERS).serialHex()).isEqualTo(first.serialHex());
    assertThat(certificates.info(ORDERS).notAfter()).isEqualTo(first.notAfter());
  }

  @Test
  void renewsAtHalfLifeWithANewKeyAndTellsTheListeners() throws Exception {
    start(Duration.ofHours(24));
    List<SpiffeId> renewed = new CopyOnWriteArrayList<>();
    certificates.addRenewalListener(renewed::add);
    IssuedCertificate first = certificates.certificateFor(ORDERS);

    advance(Duration.ofHours(12).minusSeconds(1));
    assertThat(certificates.certificateFor(ORDERS)).isSameAs(first);
    assertThat(renewed).isEmpty();

    advance(Duration.ofSeconds(1));
    IssuedCertificate second = certificates.certificateFor(ORDERS);

    assertThat(renewed).containsExactly(ORDERS);
    assertThat(second.serial()).isNotEqualTo(first.serial());
    assertThat(second.privateKey()).isNotEqualTo(first.privateKey());
    assertThat(second.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofHours(12));
  }

  @Test
  void eachIdentityRenewsOnItsOwnSchedule() throws Exception {
    start(Duration.ofHours(2));
    List<SpiffeId> renewed = new CopyOnWriteArrayList<>();
    certificates.addRenewalListener(renewed::add);
    certificates.certificateFor(ORDERS);
    advance(Duration.ofMinutes(30));
    certificates.certificateFor(USERS);

    advance(Duration.ofMinutes(30));
    assertThat(renewed).containsExactly(ORDERS);
    advance(Duration.ofMinutes(30));
    assertThat(renewed).containsExactly(ORDERS, USERS);
    assertThat(scheduler.pendingDelays())
        .containsExactly(Duration.ofMinutes(30), Duration.ofMinutes(60));
  }
}
