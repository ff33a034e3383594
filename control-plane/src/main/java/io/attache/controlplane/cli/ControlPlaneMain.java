package io.attache.controlplane.cli;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.rest.AdminConfigException;
import io.attache.controlplane.rest.AdminRole;
import io.attache.controlplane.rest.AdminSecurity;
import io.attache.controlplane.rest.AdminTls;
import io.attache.controlplane.rest.AdminTokens;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.xds.SystemScheduler;
import io.attache.controlplane.xds.XdsLimits;
import io.attache.controlplane.xds.XdsServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache control-plane}: starts the control plane on the embedded store, or as one of
 * several replicas on a shared PostgreSQL store, and prints where everything listens. Blocks until
 * the JVM is asked to stop; all work happens on the servers' own threads.
 */
@Command(
    name = "attache control-plane",
    mixinStandardHelpOptions = true,
    subcommands = MigrateStoreCommand.class,
    versionProvider = ControlPlaneMain.Version.class,
    description =
        "Run the Attaché control plane: xDS (ADS, SotW and delta) plus the REST admin API.")
public final class ControlPlaneMain implements Callable<Integer> {

  @Option(
      names = "--xds-port",
      defaultValue = "18000",
      description = "xDS gRPC port (default ${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(
      names = "--xds-host",
      defaultValue = "0.0.0.0",
      description = "xDS bind address (default ${DEFAULT-VALUE}).")
  String xdsHost;

  @Option(
      names = "--http-port",
      defaultValue = "18080",
      description = "REST admin API port (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--http-host",
      defaultValue = "127.0.0.1",
      description = "REST admin API bind address (default ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(
      names = "--data-dir",
      defaultValue = "./data",
      description = "Directory of the embedded store (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--store",
      description =
          "A PostgreSQL store shared by several replicas, instead of the embedded one: a libpq"
              + " URI (postgresql://user@host:5432/db?sslmode=require) or a jdbc:postgresql: URL."
              + " The password comes from --store-password-file or PGPASSWORD, never from here.")
  String store;

  @Option(
      names = "--store-password-file",
      description = "File whose first line is the PostgreSQL password (default: PGPASSWORD).")
  Path storePasswordFile;

  @Option(
      names = "--store-head-check-interval",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "With --store: how often to read the head revision in case a commit notification was"
              + " missed (default ${DEFAULT-VALUE}).")
  Duration headCheckInterval;

  @Option(
      names = "--ca-key-encryption-key-file",
      description =
          "With --store and no --ca-cert: file holding a base64 32-byte key (openssl rand -base64"
              + " 32) that seals the mesh root generated into the shared store; every replica"
              + " needs the same one. The environment variable "
              + CaKeyEncryptionKey.ENV
              + " may hold it instead.")
  Path caKeyEncryptionKeyFile;

  @Option(
      names = "--push-quiet-period",
      defaultValue = "100ms",
      converter = DurationConverter.class,
      description = "Push once writes pause this long (default ${DEFAULT-VALUE}).")
  Duration quietPeriod;

  @Option(
      names = "--push-max-delay",
      defaultValue = "500ms",
      converter = DurationConverter.class,
      description =
          "Push no later than this after the first write of a burst (default ${DEFAULT-VALUE}).")
  Duration maxDelay;

  @Option(
      names = "--admin-token-file",
      description =
          "Require 'Authorization: Bearer <token>' on the REST admin API. One '<token> <role>' per"
              + " line, role admin or read-only; blank lines and # comments allowed. The"
              + " environment variable "
              + ADMIN_TOKEN_ENV
              + " adds one admin token.")
  Path adminTokenFile;

  @Option(
      names = "--admin-tls-cert",
      description = "PEM certificate chain (leaf first): serve the REST admin API over HTTPS.")
  Path adminTlsCert;

  @Option(
      names = "--admin-tls-key",
      description = "PEM private key (PKCS#8, or PKCS#1 RSA) of --admin-tls-cert.")
  Path adminTlsKey;

  /** One admin token from the environment, for deployments that inject secrets as variables. */
  public static final String ADMIN_TOKEN_ENV = "ATTACHE_ADMIN_TOKEN";

  /** The process environment; a test replaces it instead of setting real variables. */
  Map<String, String> environment = System.getenv();

  @Option(
      names = "--jwks-address",
      description =
          "host:port at which proxies reach this REST API's JWKS (/.well-known/jwks.json) to"
              + " verify identity tokens (default: --http-host and --http-port, 127.0.0.1 for a"
              + " wildcard host). Over HTTPS when --admin-tls-cert is given.")
  String jwksAddress;

  @Option(
      names = "--trust-domain",
      defaultValue = "attache.local",
      description = "SPIFFE trust domain of workload identities (default ${DEFAULT-VALUE}).")
  String trustDomain;

  @Option(
      names = "--ca-cert",
      description =
          "PEM file: your CA certificate (root or intermediate), then its chain up to the root."
              + " Default: a root generated in <data-dir>/ca on first start.")
  Path caCert;

  @Option(names = "--ca-key", description = "PEM file: the private key of --ca-cert.")
  Path caKey;

  @Option(
      names = "--workload-cert-ttl",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description =
          "Lifetime of workload certificates; renewed at half of it (default ${DEFAULT-VALUE}).")
  Duration workloadCertTtl;

  @Option(
      names = "--xds-tls",
      description =
          "Serve xDS over TLS with a certificate from the CA, and require every proxy to prove"
              + " its identity (client certificate or bootstrap token).")
  boolean xdsTls;

  @Option(
      names = "--xds-server-name",
      split = ",",
      defaultValue = "localhost,127.0.0.1",
      description =
          "DNS names and IP addresses proxies dial the xDS server by, put in its certificate"
              + " (default ${DEFAULT-VALUE}).")
  List<String> xdsServerNames;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ControlPlaneMain()).execute(args));
  }

  @Option(
      names = "--max-node-metadata-bytes",
      defaultValue = "" + XdsLimits.DEFAULT_MAX_NODE_METADATA_BYTES,
      description =
          "Refuse an xDS stream (RESOURCE_EXHAUSTED) whose node metadata is larger than this,"
              + " in serialised bytes (default ${DEFAULT-VALUE}).")
  int maxNodeMetadataBytes;

  @Option(
      names = "--xds-threads",
      description =
          "Threads that run the xDS streams' handlers (requests, ACKs, responses to pushes);"
              + " 0 runs them on gRPC's shared unbounded pool (default ${DEFAULT-VALUE}: twice the"
              + " cores, at least 4).")
  int xdsThreads = XdsServer.DEFAULT_HANDLER_THREADS;

  @Override
  public Integer call() throws Exception {
    if ((caCert == null) != (caKey == null)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--ca-cert and --ca-key go together");
    }
    AdminSecurity security;
    Optional<ControlPlaneConfig.SharedStore> shared;
    XdsLimits xdsLimits;
    try {
      security = adminSecurity();
      shared = sharedStore();
      xdsLimits = new XdsLimits(maxNodeMetadataBytes);
      if (xdsThreads < 0) {
        throw new IllegalArgumentException("--xds-threads must not be negative: " + xdsThreads);
      }
    } catch (IllegalArgumentException e) { // AdminConfigException too
      System.err.println("attache control-plane: " + e.getMessage());
      return 2;
    }
    SystemScheduler scheduler = new SystemScheduler();
    ControlPlaneConfig config =
        new ControlPlaneConfig(
                xdsHost,
                xdsPort,
                httpHost,
                httpPort,
                dataDir,
                quietPeriod,
                maxDelay,
                new ControlPlaneConfig.Security(
                    trustDomain,
                    Optional.ofNullable(caCert)
                        .map(cert -> new ControlPlaneConfig.CaFiles(cert, caKey)),
                    workloadCertTtl,
                    xdsTls,
                    xdsServerNames),
                security)
            .withXdsLimits(xdsLimits)
            .withXdsThreads(xdsThreads);
    if (jwksAddress != null) {
      config = config.withJwksAddress(jwksAddress);
    }
    ControlPlane controlPlane;
    try {
      controlPlane =
          ControlPlane.start(
              shared.map(config::withSharedStore).orElse(config), scheduler, Clock.systemUTC());
    } catch (StoreException | IllegalArgumentException e) {
      scheduler.close();
      System.err.println("attache control-plane: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  controlPlane.close();
                  scheduler.close();
                  stopped.countDown();
                  // Stopped cleanly on request: exit 0 like the proxy, not the 143 of a SIGTERM.
                  Runtime.getRuntime().halt(0);
                },
                "attache-shutdown"));
    System.out.printf(
        "attache control plane: xDS%s on %s:%d, REST admin API on %s://%s:%d (%s), store in %s%n",
        xdsTls ? " (TLS, identities required)" : "",
        xdsHost,
        controlPlane.xdsPort(),
        controlPlane.httpScheme(),
        httpHost,
        controlPlane.httpPort(),
        security.tokens(),
        shared
            .map(s -> s.location().toString() + " (shared)")
            .orElse(dataDir.toAbsolutePath().normalize().toString()));
    System.out.flush();
    stopped.await();
    return 0;
  }

  /**
   * Tokens from the file and the environment, TLS from the PEM pair; fails naming what is wrong.
   */
  AdminSecurity adminSecurity() {
    AdminTokens tokens =
        adminTokenFile == null ? AdminTokens.NONE : AdminTokens.load(adminTokenFile);
    String fromEnvironment = environment.get(ADMIN_TOKEN_ENV);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      tokens =
          tokens.enabled()
              ? tokens.with(fromEnvironment.strip(), AdminRole.ADMIN, ADMIN_TOKEN_ENV)
              : AdminTokens.parse(
                  List.of(fromEnvironment.strip() + " " + AdminRole.ADMIN.label()),
                  ADMIN_TOKEN_ENV);
    }
    if ((adminTlsCert == null) != (adminTlsKey == null)) {
      throw new AdminConfigException("--admin-tls-cert and --admin-tls-key go together");
    }
    AdminTls tls =
        adminTlsCert == null ? AdminTls.PLAINTEXT : AdminTls.fromPem(adminTlsCert, adminTlsKey);
    return new AdminSecurity(tokens, tls);
  }

  /** The shared store from --store and its companions; empty for the embedded store. */
  Optional<ControlPlaneConfig.SharedStore> sharedStore() {
    if (store == null || store.isBlank()) {
      if (storePasswordFile != null || caKeyEncryptionKeyFile != null) {
        throw new IllegalArgumentException(
            "--store-password-file and --ca-key-encryption-key-file go with --store");
      }
      return Optional.empty();
    }
    if (!PostgresLocation.isPostgres(store)) {
      throw new IllegalArgumentException(
          "--store must be a postgresql:// URI or a jdbc:postgresql: URL (the embedded store is"
              + " the default: leave --store out and use --data-dir)");
    }
    PostgresLocation location =
        PostgresLocation.parse(store, environment, Optional.ofNullable(storePasswordFile));
    Optional<CaKeyEncryptionKey> key =
        caKeyEncryptionKeyFile != null
            ? Optional.of(CaKeyEncryptionKey.fromFile(caKeyEncryptionKeyFile))
            : Optional.ofNullable(environment.get(CaKeyEncryptionKey.ENV))
                .filter(value -> !value.isBlank())
                .map(value -> CaKeyEncryptionKey.parse(value, CaKeyEncryptionKey.ENV));
    return Optional.of(new ControlPlaneConfig.SharedStore(location, headCheckInterval, key));
  }

  /** Parses "250ms", "2s", "1m", "24h" or an ISO-8601 duration. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(java.util.Locale.ROOT);
      if (v.startsWith("p")) {
        return Duration.parse(value.trim());
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration like 250ms, 2s, 1m, 24h or PT1S");
    }
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Attaché control plane " + io.attache.api.BuildVersion.get()};
    }
  }
}
