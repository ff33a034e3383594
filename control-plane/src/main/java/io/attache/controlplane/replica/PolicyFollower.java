package io.attache.controlplane.replica;

import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.store.PolicyStore;
import io.attache.controlplane.store.PostgresCommitListener;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.xds.Scheduler;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what this replica pushes at the shared store's head, whichever replica committed: each
 * commit notification, each re-established notification session and a periodic head check (the
 * safety net for anything missed) lead to a catch-up, which reads the whole policy at the head and
 * hands it to the publisher when it is newer than what is served. Catch-ups run one at a time on a
 * thread of their own, never on the listener's or the scheduler's. Records what it finds in the
 * {@link StoreHealth}. Never writes.
 */
public final class PolicyFollower implements PostgresCommitListener.Events, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyFollower.class);

  private final PolicyStore store;
  private final Supplier<PolicySnapshot> reader;
  private final Consumer<PolicySnapshot> publisher;
  private final LongSupplier servedRevision;
  private final Scheduler scheduler;
  private final Duration headCheckInterval;
  private final StoreHealth health;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "attache-store-sync");
            thread.setDaemon(true);
            return thread;
          });
  private Scheduler.ScheduledTask nextCheck;
  private boolean closed;

  /**
   * @param reader reads the whole policy at the store's head
   * @param publisher takes a newer policy (the snapshot publisher, which debounces)
   * @param servedRevision the revision of the policy being served now
   */
  public PolicyFollower(
      PolicyStore store,
      Supplier<PolicySnapshot> reader,
      Consumer<PolicySnapshot> publisher,
      LongSupplier servedRevision,
      Scheduler scheduler,
      Duration headCheckInterval,
      StoreHealth health) {
    this.store = store;
    this.reader = reader;
    this.publisher = publisher;
    this.servedRevision = servedRevision;
    this.scheduler = scheduler;
    this.headCheckInterval = headCheckInterval;
    this.health = health;
  }

  /** Arms the periodic head check. */
  public synchronized void start() {
    scheduleCheck();
  }

  @Override
  public void listening() {
    health.listening(true);
    submit(() -> catchUp(Long.MAX_VALUE));
  }

  @Override
  public void committed(long revision) {
    if (revision > servedRevision.getAsLong()) {
      submit(() -> catchUp(revision));
    }
  }

  @Override
  public void lost(String reason) {
    health.listenerLost(reason);
  }

  /**
   * Reads the head and publishes it if it is newer than what is served; {@code known} is a revision
   * known to exist (a notification's), or MAX_VALUE to ask the store.
   */
  private void catchUp(long known) {
    try {
      long served = servedRevision.getAsLong();
      if (known != Long.MAX_VALUE && known <= served) {
        return; // an earlier catch-up already read past it
      }
      long head = store.headRevision();
      health.headRead();
      if (head > served) {
        PolicySnapshot policy = reader.get();
        publisher.accept(policy);
        LOG.debug("caught up from revision {} to {}", served, policy.revision());
      }
    } catch (StoreException e) {
      health.headUnreadable(e.getMessage());
      LOG.warn("cannot catch up with the store: {}", e.getMessage());
    }
  }

  private synchronized void scheduleCheck() {
    if (closed) {
      return;
    }
    nextCheck =
        scheduler.schedule(
            headCheckInterval,
            () ->
                submit(
                    () -> {
                      catchUp(Long.MAX_VALUE);
                      scheduleCheck();
                    }));
  }

  private void submit(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException closing) {
      // closed: nothing more to follow
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (nextCheck != null) {
      nextCheck.cancel();
    }
    worker.shutdownNow();
  }
}
