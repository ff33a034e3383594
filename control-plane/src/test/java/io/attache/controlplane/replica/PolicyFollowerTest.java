package io.attache.controlplane.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicyEditor;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.store.Change;
import io.attache.controlplane.store.H2PolicyStore;
import io.attache.controlplane.store.PolicyStore;
import io.attache.controlplane.store.Precondition;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.testing.ManualScheduler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower on a store whose commits it is never told of (H2 sends no notifications): only the
 * periodic head check brings them, at exactly the configured interval; notifications of revisions
 * already served change nothing.
 */
class PolicyFollowerTest {

  private static final Duration INTERVAL = Duration.ofSeconds(5);

  @TempDir Path dataDir;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<PolicySnapshot> published = new CopyOnWriteArrayList<>();
  private final StoreHealth health = new StoreHealth();
  private PolicyStore store;
  private PolicyFollower follower;

  @BeforeEach
  void start() {
    store = H2PolicyStore.open(dataDir, Clock.systemUTC());
    follower =
        new PolicyFollower(
            store,
            () ->
                PolicyEditor.snapshotOf(store.headRevision(), store.stateAt(store.headRevision())),
            published::add,
            () -> published.isEmpty() ? 0 : published.get(published.size() - 1).revision(),
            scheduler,
            INTERVAL,
            health);
    follower.start();
  }

  @AfterEach
  void stop() {
    follower.close();
    store.close();
  }

  private void commitService(String name) throws Exception {
    store.commit(
        List.of(
            Change.put(
                ResourceKind.SERVICE,
                name,
                Service.newBuilder().setName(name).setPort(80).build(),
                Precondition.any())),
        "put " + name);
  }

  @Test
  void aCommitNobodyAnnouncedIsPublishedAtTheNextHeadCheck() throws Exception {
    commitService("orders");
    assertThat(scheduler.pendingDelays()).containsExactly(INTERVAL);

    scheduler.advance(INTERVAL.minusMillis(1));
    assertThat(published).isEmpty();
    scheduler.advance(Duration.ofMillis(1));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(published).extracting(PolicySnapshot::revision).containsExactly(1L));
    assertThat(published.get(0).services()).containsOnlyKeys("orders");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(scheduler.pendingDelays()).containsExactly(INTERVAL));
    assertThat(health.problem()).hasValue("not yet listening for commits");
  }

  @Test
  void aNotificationOfANewerRevisionCatchesUpAtOnceAndAnOldOneChangesNothing() throws Exception {
    commitService("orders");
    follower.committed(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(published).extracting(PolicySnapshot::revision).containsExactly(1L));

    follower.committed(1);
    commitService("users");
    follower.committed(2);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(published).extracting(PolicySnapshot::revision).containsExactly(1L, 2L));
  }

  @Test
  void listeningAgainReadsTheHeadForWhatWasMissedMeanwhile() throws Exception {
    follower.lost("connection reset");
    assertThat(health.up()).isFalse();
    commitService("orders");

    follower.listening();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(published).extracting(PolicySnapshot::revision).containsExactly(1L));
    assertThat(health.up()).isTrue();
  }
}
