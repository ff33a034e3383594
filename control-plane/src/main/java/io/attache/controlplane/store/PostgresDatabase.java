package io.attache.controlplane.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * The shared PostgreSQL database of every replica: a HikariCP pool over the official driver, with
 * the schema migrated on open. Connections fail fast ({@link #CONNECT_TIMEOUT}) when the database
 * is down, so a REST write is answered 503 within seconds instead of hanging, and no query waits on
 * a dead socket longer than {@link #SOCKET_TIMEOUT}. Never logs the password.
 */
public final class PostgresDatabase implements AutoCloseable {

  /** How long a caller waits for a pooled connection, and a new connection for its server. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** No statement of ours runs this long; a read stuck longer is a dead network. */
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

  private static final int POOL_SIZE = 8;

  private final PostgresLocation location;
  private final HikariDataSource pool;

  private PostgresDatabase(PostgresLocation location, HikariDataSource pool) {
    this.location = location;
    this.pool = pool;
  }

  /** Connects, then applies pending migrations; fails naming the database (never the password). */
  public static PostgresDatabase open(PostgresLocation location) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("attache-store");
    config.setJdbcUrl(location.jdbcUrl());
    config.setDataSourceProperties(driverProperties(location, SOCKET_TIMEOUT));
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(2);
    config.setConnectionTimeout(CONNECT_TIMEOUT.toMillis());
    config.setValidationTimeout(Math.min(1000, CONNECT_TIMEOUT.toMillis()));
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException(
          "cannot connect to the store at " + location + ": " + rootMessage(e), e);
    }
    try {
      StoreMigrations.apply(pool, StoreMigrations.Dialect.POSTGRESQL);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new PostgresDatabase(location, pool);
  }

  public DataSource dataSource() {
    return pool;
  }

  public PostgresLocation location() {
    return location;
  }

  /**
   * A connection of its own, outside the pool, for a session that outlives any one statement
   * (LISTEN). Waiting for notifications sets its own shorter timeout on each wait.
   */
  public Connection dedicatedConnection() throws SQLException {
    return DriverManager.getConnection(
        location.jdbcUrl(), driverProperties(location, SOCKET_TIMEOUT));
  }

  @Override
  public void close() {
    pool.close();
  }

  private static Properties driverProperties(PostgresLocation location, Duration socketTimeout) {
    Properties props = location.connectionProperties();
    props.putIfAbsent("connectTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
    props.putIfAbsent("socketTimeout", String.valueOf(socketTimeout.toSeconds()));
    props.putIfAbsent("tcpKeepAlive", "true");
    props.putIfAbsent("ApplicationName", "attache-control-plane");
    return props;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
