package io.attache.controlplane.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a store's schema to the version this build needs, with Flyway's versioned SQL scripts
 * ({@code db/migration/<dialect>/V<n>__*.sql}), applied at start. Safe when several replicas start
 * at once: on PostgreSQL Flyway holds an advisory lock while it migrates, so one replica applies a
 * script and the others find it applied. Never edits an applied script: a change is a new version.
 */
public final class StoreMigrations {

  private static final Logger LOG = LoggerFactory.getLogger(StoreMigrations.class);

  /** Flyway's bookkeeping table, named so it is recognisable in a shared database. */
  static final String HISTORY_TABLE = "attache_schema_history";

  /** The SQL flavour of a store, and where its scripts live. */
  public enum Dialect {
    H2("classpath:db/migration/h2"),
    POSTGRESQL("classpath:db/migration/postgresql");

    private final String location;

    Dialect(String location) {
      this.location = location;
    }
  }

  private StoreMigrations() {}

  /**
   * Applies every pending script; returns how many ran. An embedded database created before
   * migrations existed is baselined at version 0 (its tables are kept; version 1 creates only what
   * is missing). A PostgreSQL database must be empty or Attaché's own.
   */
  public static int apply(DataSource database, Dialect dialect) {
    try {
      int applied =
          Flyway.configure()
              .dataSource(database)
              .locations(dialect.location)
              .table(HISTORY_TABLE)
              .baselineOnMigrate(dialect == Dialect.H2)
              .baselineVersion("0")
              .load()
              .migrate()
              .migrationsExecuted;
      if (applied > 0) {
        LOG.info("applied {} schema migration(s) to the {} store", applied, dialect);
      }
      return applied;
    } catch (FlywayException e) {
      throw new StoreException("cannot migrate the store's schema: " + e.getMessage(), e);
    }
  }
}
