package io.attache.controlplane.cli;

import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.ca.SharedRootCa;
import io.attache.controlplane.store.H2PolicyStore;
import io.attache.controlplane.store.PostgresDatabase;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.store.StoreCopy;
import io.attache.controlplane.store.StoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache control-plane migrate-store}: moves an embedded store (the H2 file under a data
 * directory) into an empty PostgreSQL store, with every revision, ETag and bootstrap token as they
 * were, and the generated mesh root too when a key to seal it with is given, so the proxies keep
 * trusting the same root. Run it with the embedded control plane stopped; it never changes the
 * source.
 */
@Command(
    name = "migrate-store",
    mixinStandardHelpOptions = true,
    description =
        "Copy the embedded store of --data-dir into an empty PostgreSQL store (--to), whole:"
            + " revisions, history, ETags, bootstrap tokens, and the generated CA root.")
final class MigrateStoreCommand implements Callable<Integer> {

  @Option(
      names = "--data-dir",
      defaultValue = "./data",
      description =
          "The embedded store to copy (default ${DEFAULT-VALUE}); stop its control plane.")
  Path dataDir;

  @Option(
      names = "--to",
      required = true,
      description =
          "The PostgreSQL store: a libpq URI or a jdbc:postgresql: URL, as --store takes.")
  String to;

  @Option(
      names = "--store-password-file",
      description = "File whose first line is the PostgreSQL password (default: PGPASSWORD).")
  Path storePasswordFile;

  @Option(
      names = "--ca-key-encryption-key-file",
      description =
          "Seal the data directory's generated root with this key into the store (the replicas"
              + " then need the same key). Without it the root stays in <data-dir>/ca: give"
              + " those files to every replica as --ca-cert and --ca-key.")
  Path caKeyEncryptionKeyFile;

  @Option(
      names = "--trust-domain",
      defaultValue = "attache.local",
      description = "The mesh's trust domain (default ${DEFAULT-VALUE}).")
  String trustDomain;

  Map<String, String> environment = System.getenv();
  PrintStream out = System.out;

  @Override
  public Integer call() {
    if (!Files.exists(dataDir.resolve("attache.mv.db"))) {
      System.err.println("attache migrate-store: no embedded store in " + dataDir);
      return 2;
    }
    PostgresLocation location;
    Optional<CaKeyEncryptionKey> key;
    try {
      location = PostgresLocation.parse(to, environment, Optional.ofNullable(storePasswordFile));
      key =
          caKeyEncryptionKeyFile != null
              ? Optional.of(CaKeyEncryptionKey.fromFile(caKeyEncryptionKeyFile))
              : Optional.ofNullable(environment.get(CaKeyEncryptionKey.ENV))
                  .filter(v -> !v.isBlank())
                  .map(v -> CaKeyEncryptionKey.parse(v, CaKeyEncryptionKey.ENV));
    } catch (IllegalArgumentException e) {
      System.err.println("attache migrate-store: " + e.getMessage());
      return 2;
    }
    // Opening the embedded store brings its schema up to date (tokens table included).
    H2PolicyStore.open(dataDir, Clock.systemUTC()).close();
    try (PostgresDatabase target = PostgresDatabase.open(location)) {
      StoreCopy.Copied copied =
          StoreCopy.copy(H2PolicyStore.dataSource(dataDir), target.dataSource());
      out.printf(
          "copied %d revisions (%d history rows, %d current resources) and %d bootstrap tokens"
              + " from %s to %s%n",
          copied.revisions(),
          copied.historyRows(),
          copied.resources(),
          copied.tokens(),
          dataDir.toAbsolutePath().normalize(),
          location);
      Path rootCert = dataDir.resolve("ca").resolve("root-cert.pem");
      Path rootKey = dataDir.resolve("ca").resolve("root-key.pem");
      if (Files.exists(rootCert) && Files.exists(rootKey)) {
        if (key.isPresent()) {
          try {
            SharedRootCa.importRoot(
                target.dataSource(), key.get(), trustDomain, rootCert, rootKey, Clock.systemUTC());
          } catch (IOException e) {
            System.err.println(
                "attache migrate-store: the policy was copied, but the mesh root was not: "
                    + e.getMessage());
            return 1;
          }
          out.printf(
              "sealed the mesh root of %s into the store with key id %s: start every replica with"
                  + " the same --ca-key-encryption-key-file%n",
              rootCert, key.get().id());
        } else {
          out.printf(
              "the mesh root stays in %s: start every replica with --ca-cert %s --ca-key %s (or"
                  + " rerun with --ca-key-encryption-key-file to keep it in the store)%n",
              rootCert.getParent(), rootCert, rootKey);
        }
      }
      return 0;
    } catch (StoreException | IllegalStateException e) {
      System.err.println("attache migrate-store: " + e.getMessage() + "; nothing was copied");
      return 1;
    }
  }
}
