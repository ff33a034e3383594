package io.attache.controlplane.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one {@code LISTEN attache_policy_commits} session on a connection of its own and reports
 * each commit's revision as PostgreSQL delivers it. When the session breaks (the database stopped,
 * the network went) it says so, reconnects with a growing delay (capped at {@link #MAX_RETRY})
 * until closed, and says when it is listening again: notifications sent while it was away are lost,
 * so the receiver must then read the head itself. Runs on its own daemon thread; the callbacks run
 * there and must not block for long.
 */
public final class PostgresCommitListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresCommitListener.class);

  static final Duration FIRST_RETRY = Duration.ofMillis(250);
  static final Duration MAX_RETRY = Duration.ofSeconds(5);

  /** How long one wait for notifications lasts; bounds how late {@link #close()} is noticed. */
  private static final int POLL_MILLIS = 500;

  /**
   * A silent session may be a dead one (a host gone without a reset): a round trip every few
   * seconds finds out, bounded by the connection's socket timeout.
   */
  private static final int PING_EVERY_POLLS = 10;

  /** What the listener reports. */
  public interface Events {
    /** The session is listening (again); anything committed while it was not was missed. */
    void listening();

    /** A commit of {@code revision} happened. */
    void committed(long revision);

    /** The session broke; it is being re-established. */
    void lost(String reason);
  }

  private final PostgresDatabase database;
  private final Events events;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread thread;

  private PostgresCommitListener(PostgresDatabase database, Events events) {
    this.database = database;
    this.events = events;
    this.thread = new Thread(this::run, "attache-store-listener");
    this.thread.setDaemon(true);
  }

  public static PostgresCommitListener start(PostgresDatabase database, Events events) {
    PostgresCommitListener listener = new PostgresCommitListener(database, events);
    listener.thread.start();
    return listener;
  }

  private void run() {
    Duration retry = FIRST_RETRY;
    while (closed.getCount() > 0) {
      try (Connection connection = database.dedicatedConnection()) {
        try (Statement listen = connection.createStatement()) {
          listen.execute("LISTEN " + PostgresPolicyStore.COMMIT_CHANNEL);
        }
        retry = FIRST_RETRY;
        events.listening();
        PGConnection session = connection.unwrap(PGConnection.class);
        for (long polls = 1; closed.getCount() > 0; polls++) {
          PGNotification[] notifications = session.getNotifications(POLL_MILLIS);
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              committed(notification.getParameter());
            }
          }
          if (polls % PING_EVERY_POLLS == 0) {
            ping(connection);
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed.getCount() == 0) {
          return;
        }
        String reason = PostgresDatabase.rootMessage(e);
        LOG.warn(
            "lost the commit notifications of the store at {} ({}); retrying in {} ms",
            database.location(),
            reason,
            retry.toMillis());
        events.lost(reason);
        if (awaitClose(retry)) {
          return;
        }
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
      }
    }
  }

  private static void ping(Connection connection) throws SQLException {
    try (Statement ping = connection.createStatement()) {
      ping.execute("SELECT 1");
    }
  }

  private void committed(String payload) {
    try {
      events.committed(Long.parseLong(payload));
    } catch (NumberFormatException e) {
      LOG.warn("ignoring a commit notification that is not a revision: '{}'", payload);
    }
  }

  /** Waits out a retry delay; true when closed meanwhile. */
  private boolean awaitClose(Duration delay) {
    try {
      return closed.await(delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Stops listening; returns once the session is closed (within about half a second). */
  @Override
  public void close() {
    closed.countDown();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
