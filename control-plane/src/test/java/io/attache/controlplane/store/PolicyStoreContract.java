package io.attache.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.api.policy.v1.Service;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PolicyStore} must do, run against each implementation (embedded H2 and shared
 * PostgreSQL) by a subclass that says how to open one.
 */
abstract class PolicyStoreContract {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

  PolicyStore store;

  /** Opens the implementation under test on the same data every time it is called in a test. */
  abstract PolicyStore open(Clock clock);

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void numbersEveryCommitAsTheNextRevision() throws Exception {
    store = open(CLOCK);

    long first = store.commit(List.of(put("orders", 1, Precondition.absent())), "create orders");
    long second = store.commit(List.of(put("users", 1, Precondition.absent())), "create users");

    assertThat(first).isEqualTo(1);
    assertThat(second).isEqualTo(2);
    assertThat(store.headRevision()).isEqualTo(2);
    assertThat(store.get(ResourceKind.SERVICE, "orders"))
        .get()
        .extracting(StoredResource::revision)
        .isEqualTo(1L);
    assertThat(store.revisions())
        .extracting(RevisionInfo::summary)
        .containsExactly("create users", "create orders");
  }

  @Test
  void rejectsAStaleWriteAndStoresNothingOfIt() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 1, Precondition.absent())), "create");
    store.commit(List.of(put("orders", 2, Precondition.revision(1))), "update");

    assertThatThrownBy(
            () ->
                store.commit(
                    List.of(
                        put("users", 1, Precondition.any()),
                        put("orders", 3, Precondition.revision(1))),
                    "stale"))
        .isInstanceOf(PreconditionFailedException.class)
        .extracting(e -> ((PreconditionFailedException) e).currentRevision())
        .isEqualTo(2L);

    assertThat(store.headRevision()).isEqualTo(2);
    assertThat(store.get(ResourceKind.SERVICE, "users")).isEmpty();
  }

  @Test
  void refusesToCreateWhatAlreadyExists() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 1, Precondition.absent())), "create");

    assertThatThrownBy(
            () -> store.commit(List.of(put("orders", 1, Precondition.absent())), "again"))
        .isInstanceOf(PreconditionFailedException.class);
  }

  @Test
  void rebuildsTheStateOfAnyEarlierRevision() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 1, Precondition.any())), "r1");
    store.commit(
        List.of(put("orders", 2, Precondition.any()), put("users", 1, Precondition.any())), "r2");
    store.commit(List.of(Change.delete(ResourceKind.SERVICE, "orders", Precondition.any())), "r3");

    assertThat(store.stateAt(1))
        .extracting(r -> r.name() + "@" + port(r))
        .containsExactly("orders@1");
    assertThat(store.stateAt(2))
        .extracting(r -> r.name() + "@" + port(r))
        .containsExactly("orders@2", "users@1");
    assertThat(store.stateAt(3)).extracting(StoredResource::name).containsExactly("users");
    assertThat(store.list(ResourceKind.SERVICE))
        .extracting(StoredResource::name)
        .containsExactly("users");
  }

  @Test
  void keepsCommittedWritesAcrossReopening() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 7, Precondition.any())), "create");
    store.close();

    store = open(CLOCK);

    assertThat(store.get(ResourceKind.SERVICE, "orders"))
        .get()
        .extracting(PolicyStoreContract::port)
        .isEqualTo(7);
    assertThat(store.revisions())
        .extracting(RevisionInfo::createdAt)
        .containsExactly(CLOCK.instant());
  }

  @Test
  void commitsOnTheHeadItWasValidatedAgainstAndRefusesAMovedOne() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 1, Precondition.any())), "r1");

    long second = store.commitOnHead(1, List.of(put("users", 1, Precondition.any())), "r2");

    assertThat(second).isEqualTo(2);
    assertThatThrownBy(
            () -> store.commitOnHead(1, List.of(put("billing", 1, Precondition.any())), "stale"))
        .isInstanceOf(HeadMovedException.class)
        .extracting(e -> ((HeadMovedException) e).headRevision())
        .isEqualTo(2L);
    assertThat(store.headRevision()).isEqualTo(2);
    assertThat(store.get(ResourceKind.SERVICE, "billing")).isEmpty();
  }

  @Test
  void rebuildsAStateWithoutTheResourcesDeletedByThen() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("a", 1, Precondition.any()), put("b", 1, Precondition.any())), "r1");
    store.commit(List.of(Change.delete(ResourceKind.SERVICE, "a", Precondition.revision(1))), "r2");
    store.commit(List.of(put("a", 3, Precondition.absent())), "r3");

    assertThat(store.stateAt(2)).extracting(StoredResource::name).containsExactly("b");
    assertThat(store.stateAt(3))
        .extracting(r -> r.name() + "@" + r.revision())
        .containsExactly("a@3", "b@1");
    assertThat(store.stateAt(0)).isEmpty();
  }

  @Test
  void anEmptyStoreIsAtRevisionZero() {
    store = open(CLOCK);

    assertThat(store.headRevision()).isZero();
    assertThat(store.revisions()).isEmpty();
    assertThat(store.list(ResourceKind.SERVICE)).isEmpty();
  }

  static Change put(String name, int port, Precondition precondition) {
    return Change.put(
        ResourceKind.SERVICE,
        name,
        Service.newBuilder().setName(name).setPort(port).build(),
        precondition);
  }

  static int port(StoredResource resource) {
    return ((Service) resource.body()).getPort();
  }
}
