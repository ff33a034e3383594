package io.attache.controlplane;

import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.rest.AdminSecurity;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.xds.XdsLimits;
import io.attache.controlplane.xds.XdsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where the control plane listens and keeps its data, how it debounces pushes, its identity
 * settings (CA, certificate lifetimes, xDS TLS), who may use the admin API over which transport,
 * what one xDS stream may make it hold, how many threads run the xDS streams' handlers, whether the
 * store is the embedded one or a PostgreSQL shared with other replicas, and the address proxies
 * reach the REST API's JWKS at. Immutable.
 */
public record ControlPlaneConfig(
    String xdsHost,
    int xdsPort,
    String httpHost,
    int httpPort,
    Path dataDir,
    Duration pushQuietPeriod,
    Duration pushMaxDelay,
    Security security,
    AdminSecurity adminSecurity,
    XdsLimits xdsLimits,
    Optional<SharedStore> sharedStore,
    int xdsThreads,
    Optional<String> jwksAddress) {

  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(500);

  public ControlPlaneConfig {
    if (xdsThreads < 0) {
      throw new IllegalArgumentException("xDS threads must not be negative: " + xdsThreads);
    }
  }

  /**
   * Plaintext xDS, a generated root CA in the data directory, 24-hour workload certificates, an
   * admin API without tokens or TLS (tests, local runs).
   */
  public ControlPlaneConfig(
      String xdsHost,
      int xdsPort,
      String httpHost,
      int httpPort,
      Path dataDir,
      Duration pushQuietPeriod,
      Duration pushMaxDelay) {
    this(
        xdsHost,
        xdsPort,
        httpHost,
        httpPort,
        dataDir,
        pushQuietPeriod,
        pushMaxDelay,
        Security.DEFAULT,
        AdminSecurity.NONE,
        XdsLimits.DEFAULT,
        Optional.empty(),
        XdsServer.DEFAULT_HANDLER_THREADS,
        Optional.empty());
  }

  /** With the given identity and admin settings, on the embedded store. */
  public ControlPlaneConfig(
      String xdsHost,
      int xdsPort,
      String httpHost,
      int httpPort,
      Path dataDir,
      Duration pushQuietPeriod,
      Duration pushMaxDelay,
      Security security,
      AdminSecurity adminSecurity) {
    this(
        xdsHost,
        xdsPort,
        httpHost,
        httpPort,
        dataDir,
        pushQuietPeriod,
        pushMaxDelay,
        security,
        adminSecurity,
        XdsLimits.DEFAULT,
        Optional.empty(),
        XdsServer.DEFAULT_HANDLER_THREADS,
        Optional.empty());
  }

  /** The same, with other identity settings. */
  public ControlPlaneConfig withSecurity(Security other) {
    return new Builder(this).security(other).build();
  }

  /** The same, with other admin API security. */
  public ControlPlaneConfig withAdminSecurity(AdminSecurity other) {
    return new Builder(this).adminSecurity(other).build();
  }

  /** The same, on a store shared with other replicas instead of the embedded one. */
  public ControlPlaneConfig withSharedStore(SharedStore shared) {
    return new Builder(this).sharedStore(Optional.of(shared)).build();
  }

  /** The same, with other limits on what an xDS stream may make the control plane hold. */
  public ControlPlaneConfig withXdsLimits(XdsLimits other) {
    return new Builder(this).xdsLimits(other).build();
  }

  /**
   * The same, with the xDS streams' handlers (requests, ACKs, pushes' responses) on {@code threads}
   * threads of their own, or on gRPC's shared unbounded pool with {@link
   * XdsServer#SHARED_GRPC_POOL}.
   */
  public ControlPlaneConfig withXdsThreads(int threads) {
    return new Builder(this).xdsThreads(threads).build();
  }

  /**
   * The same, telling proxies to reach the REST API's JWKS at {@code hostAndPort} ("host:port")
   * instead of the REST API's own address (with 127.0.0.1 for a wildcard bind).
   */
  public ControlPlaneConfig withJwksAddress(String hostAndPort) {
    return new Builder(this).jwksAddress(Optional.of(hostAndPort)).build();
  }

  /** A copy with one component replaced; keeps each {@code with…} method to one line. */
  private static final class Builder {
    private String xdsHost;
    private int xdsPort;
    private String httpHost;
    private int httpPort;
    private Path dataDir;
    private Duration pushQuietPeriod;
    private Duration pushMaxDelay;
    private Security security;
    private AdminSecurity adminSecurity;
    private XdsLimits xdsLimits;
    private Optional<SharedStore> sharedStore;
    private int xdsThreads;
    private Optional<String> jwksAddress;

    Builder(ControlPlaneConfig c) {
      xdsHost = c.xdsHost;
      xdsPort = c.xdsPort;
      httpHost = c.httpHost;
      httpPort = c.httpPort;
      dataDir = c.dataDir;
      pushQuietPeriod = c.pushQuietPeriod;
      pushMaxDelay = c.pushMaxDelay;
      security = c.security;
      adminSecurity = c.adminSecurity;
      xdsLimits = c.xdsLimits;
      sharedStore = c.sharedStore;
      xdsThreads = c.xdsThreads;
      jwksAddress = c.jwksAddress;
    }

    Builder jwksAddress(Optional<String> v) {
      jwksAddress = v;
      return this;
    }

    Builder security(Security v) {
      security = v;
      return this;
    }

    Builder adminSecurity(AdminSecurity v) {
      adminSecurity = v;
      return this;
    }

    Builder xdsLimits(XdsLimits v) {
      xdsLimits = v;
      return this;
    }

    Builder sharedStore(Optional<SharedStore> v) {
      sharedStore = v;
      return this;
    }

    Builder xdsThreads(int v) {
      xdsThreads = v;
      return this;
    }

    ControlPlaneConfig build() {
      return new ControlPlaneConfig(
          xdsHost,
          xdsPort,
          httpHost,
          httpPort,
          dataDir,
          pushQuietPeriod,
          pushMaxDelay,
          security,
          adminSecurity,
          xdsLimits,
          sharedStore,
          xdsThreads,
          jwksAddress);
    }
  }

  /**
   * The mesh's identity settings. {@code operatorCa}: an operator's CA certificate chain and key
   * (PEM); empty = a root generated in {@code <data-dir>/ca}. {@code xdsTls}: serve xDS over TLS
   * with a CA-issued certificate naming {@code xdsServerNames}, and require every stream to prove
   * an identity (client certificate or bootstrap token).
   */
  public record Security(
      String trustDomain,
      Optional<CaFiles> operatorCa,
      Duration workloadCertTtl,
      boolean xdsTls,
      List<String> xdsServerNames) {

    public static final Security DEFAULT =
        new Security(
            "attache.local",
            Optional.empty(),
            Duration.ofHours(24),
            false,
            List.of("localhost", "127.0.0.1"));

    public Security {
      xdsServerNames = List.copyOf(xdsServerNames);
    }
  }

  /**
   * A PostgreSQL store shared with other replicas. {@code headCheckInterval}: how often the head
   * revision is read in case a commit notification was missed. {@code caKeyEncryptionKey}: seals
   * the mesh root generated into the store when no operator CA is given; required then.
   */
  public record SharedStore(
      PostgresLocation location,
      Duration headCheckInterval,
      Optional<CaKeyEncryptionKey> caKeyEncryptionKey) {

    public static final Duration DEFAULT_HEAD_CHECK_INTERVAL = Duration.ofSeconds(5);
  }

  /** An operator's CA: certificate (then its chain up to the root) and its key, PEM files. */
  public record CaFiles(Path certificate, Path key) {}
}
