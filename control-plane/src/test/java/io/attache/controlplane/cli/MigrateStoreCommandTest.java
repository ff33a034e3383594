package io.attache.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.api.policy.v1.Service;
import io.attache.controlplane.ca.BootstrapTokens;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.ca.CertificateAuthority;
import io.attache.controlplane.ca.SharedRootCa;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.store.Change;
import io.attache.controlplane.store.H2PolicyStore;
import io.attache.controlplane.store.PolicyStore;
import io.attache.controlplane.store.PostgresDatabase;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.store.PostgresPolicyStore;
import io.attache.controlplane.store.Precondition;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.store.RevisionInfo;
import io.attache.controlplane.store.StoredResource;
import io.attache.controlplane.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code migrate-store}: an embedded store moved whole into a real, empty PostgreSQL. */
class MigrateStoreCommandTest {

  @TempDir Path dir;

  @Test
  void movesEveryRevisionEtagTokenAndTheRootIntoAnEmptyPostgresStore() throws Exception {
    Path dataDir = dir.resolve("data");
    String issuedToken;
    try (H2PolicyStore h2 = H2PolicyStore.open(dataDir, Clock.systemUTC())) {
      h2.commit(List.of(service("orders", 1, Precondition.absent())), "create orders");
      h2.commit(List.of(service("users", 1, Precondition.absent())), "create users");
      h2.commit(
          List.of(Change.delete(ResourceKind.SERVICE, "users", Precondition.revision(2))),
          "delete users");
      issuedToken =
          new BootstrapTokens(H2PolicyStore.dataSource(dataDir), Clock.systemUTC())
              .issue(new SpiffeId("attache.local", "shop", "orders"))
              .token();
    }
    CertificateAuthority embeddedRoot =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", Clock.systemUTC());
    Path keyFile = dir.resolve("kek");
    CaKeyEncryptionKey key = CaKeyEncryptionKey.random();
    Files.writeString(keyFile, key.encoded());
    TestPostgres postgres = TestPostgres.shared();
    String target = postgres.uri(postgres.createDatabase());

    MigrateStoreCommand command = new MigrateStoreCommand();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    command.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    command.environment = Map.of();
    int exit =
        new CommandLine(command)
            .execute(
                "--data-dir",
                dataDir.toString(),
                "--to",
                target,
                "--ca-key-encryption-key-file",
                keyFile.toString());

    assertThat(exit).as(printed.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains(
            "copied 3 revisions (3 history rows, 1 current resources) and 1 bootstrap tokens");
    try (PostgresDatabase database =
        PostgresDatabase.open(PostgresLocation.parse(target, Map.of(), Optional.empty()))) {
      PolicyStore moved = new PostgresPolicyStore(database.dataSource(), Clock.systemUTC());
      assertThat(moved.headRevision()).isEqualTo(3);
      assertThat(moved.revisions())
          .extracting(RevisionInfo::summary)
          .containsExactly("delete users", "create users", "create orders");
      assertThat(moved.get(ResourceKind.SERVICE, "orders"))
          .get()
          .extracting(StoredResource::revision)
          .as("the ETag a client holds is still valid")
          .isEqualTo(1L);
      assertThat(moved.stateAt(2))
          .extracting(StoredResource::name)
          .containsExactly("orders", "users");
      assertThat(moved.commit(List.of(service("billing", 1, Precondition.absent())), "next"))
          .isEqualTo(4);
      assertThat(
              new BootstrapTokens(database.dataSource(), Clock.systemUTC()).identityOf(issuedToken))
          .hasValue("spiffe://attache.local/ns/shop/sa/orders");
      assertThat(
              SharedRootCa.loadOrGenerate(
                      database.dataSource(), key, "attache.local", Clock.systemUTC())
                  .trustBundlePem())
          .as("the proxies keep trusting the same root")
          .isEqualTo(embeddedRoot.trustBundlePem());
    }

    int again = new CommandLine(command).execute("--data-dir", dataDir.toString(), "--to", target);
    assertThat(again).as("a second copy into the now non-empty store is refused").isEqualTo(1);
  }

  private static Change service(String name, int port, Precondition precondition) {
    return Change.put(
        ResourceKind.SERVICE,
        name,
        Service.newBuilder().setName(name).setPort(port).build(),
        precondition);
  }
}
