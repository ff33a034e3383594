package io.attache.controlplane;

import io.attache.controlplane.rest.AdminSecurity;
import io.attache.controlplane.xds.XdsLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where the control plane listens and keeps its data, how it debounces pushes, its identity
 * settings (CA, certificate lifetimes, xDS TLS), who may use the admin API over which transport,
 * and what one xDS stream may make it hold. Immutable.
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
    XdsLimits xdsLimits) {

  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(500);

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
        XdsLimits.DEFAULT);
  }

  /** The same, with other identity settings. */
  public ControlPlaneConfig withSecurity(Security other) {
    return new ControlPlaneConfig(
        xdsHost,
        xdsPort,
        httpHost,
        httpPort,
        dataDir,
        pushQuietPeriod,
        pushMaxDelay,
        other,
        adminSecurity,
        xdsLimits);
  }

  /** The same, with other admin API security. */
  public ControlPlaneConfig withAdminSecurity(AdminSecurity other) {
    return new ControlPlaneConfig(
        xdsHost,
        xdsPort,
        httpHost,
        httpPort,
        dataDir,
        pushQuietPeriod,
        pushMaxDelay,
        security,
        other,
        xdsLimits);
  }

  /** The same, with other limits on what an xDS stream may make the control plane hold. */
  public ControlPlaneConfig withXdsLimits(XdsLimits other) {
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
        other);
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

  /** An operator's CA: certificate (then its chain up to the root) and its key, PEM files. */
  public record CaFiles(Path certificate, Path key) {}
}
