package io.attache.controlplane;

import io.attache.controlplane.ca.BootstrapTokens;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.ca.CertificateAuthority;
import io.attache.controlplane.ca.SdsSecrets;
import io.attache.controlplane.ca.SharedRootCa;
import io.attache.controlplane.ca.SvidSigningKey;
import io.attache.controlplane.ca.SvidSigningKeys;
import io.attache.controlplane.ca.WorkloadCertificates;
import io.attache.controlplane.ca.XdsServerTls;
import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.policy.PolicyEditor;
import io.attache.controlplane.replica.PolicyFollower;
import io.attache.controlplane.replica.StoreHealth;
import io.attache.controlplane.rest.AdminApi;
import io.attache.controlplane.rest.ControlPlaneMetrics;
import io.attache.controlplane.store.H2PolicyStore;
import io.attache.controlplane.store.PolicyStore;
import io.attache.controlplane.store.PostgresCommitListener;
import io.attache.controlplane.store.PostgresDatabase;
import io.attache.controlplane.store.PostgresPolicyStore;
import io.attache.controlplane.translate.JwksEndpoint;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.attache.controlplane.translate.TranslatedPolicyCheck;
import io.attache.controlplane.validate.EnvoyRuleValidator;
import io.attache.controlplane.validate.EnvoyTypeRegistry;
import io.attache.controlplane.xds.NackHoldingWatcher;
import io.attache.controlplane.xds.ProxyStatusTracker;
import io.attache.controlplane.xds.RefusalLog;
import io.attache.controlplane.xds.ResourceBytesSerializer;
import io.attache.controlplane.xds.ResourceVersionCache;
import io.attache.controlplane.xds.Scheduler;
import io.attache.controlplane.xds.SecretAccessGuard;
import io.attache.controlplane.xds.SnapshotPublisher;
import io.attache.controlplane.xds.TransportSecurity;
import io.attache.controlplane.xds.XdsAuthenticator;
import io.attache.controlplane.xds.XdsServer;
import io.attache.controlplane.xds.XdsStreamGuard;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires store → editor → publisher → snapshot cache → xDS server, the CA and its SDS secrets, and
 * the REST API over them, and owns their lifecycle. Starting it opens the store first, so nothing
 * is served from a store that failed to open; closing stops serving before the store closes. On a
 * store shared with other replicas it also follows the store's head (commit notifications plus a
 * periodic check), so every replica pushes every replica's writes.
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final PostgresDatabase database;
  private final PolicyStore store;
  private final StoreHealth storeHealth;
  private final PolicyFollower follower;
  private final PostgresCommitListener commitListener;
  private final ProxyStatusTracker tracker;
  private final SnapshotPublisher publisher;
  private final PolicyEditor editor;
  private final XdsServer xds;
  private final AdminApi api;
  private final ControlPlaneMetrics metrics;
  private final WorkloadCertificates certificates;
  private final SvidSigningKeys signingKeys;
  private final BootstrapTokens tokens;
  private final TransportSecurity transportSecurity;
  private final RefusalLog refusals;
  private volatile boolean ready;

  /** Where proxies fetch the JWKS; known once the REST API is bound. */
  private final AtomicReference<JwksEndpoint> jwksEndpoint =
      new AtomicReference<>(JwksEndpoint.LOCAL);

  private ControlPlane(ControlPlaneConfig config, Scheduler scheduler, Clock clock)
      throws IOException {
    Optional<ControlPlaneConfig.SharedStore> shared = config.sharedStore();
    // Parsed before anything is opened: a bad address fails the start with nothing to close.
    Optional<JwksEndpoint> advertisedJwks =
        config
            .jwksAddress()
            .map(a -> JwksEndpoint.parse(a, config.adminSecurity().tls().trustAnchorPem()));
    this.database = shared.map(s -> PostgresDatabase.open(s.location())).orElse(null);
    DataSource tables;
    if (database != null) {
      this.store = new PostgresPolicyStore(database.dataSource(), clock);
      tables = database.dataSource();
      this.storeHealth = new StoreHealth();
    } else {
      this.store = H2PolicyStore.open(config.dataDir(), clock);
      tables = H2PolicyStore.dataSource(config.dataDir());
      this.storeHealth = StoreHealth.alwaysUp();
    }
    ControlPlaneConfig.Security security = config.security();
    String trustDomain = security.trustDomain();
    try {
      CertificateAuthority ca = certificateAuthority(config, tables, clock);
      this.certificates =
          new WorkloadCertificates(ca, security.workloadCertTtl(), scheduler, clock);
      this.signingKeys =
          new SvidSigningKeys(
              SvidSigningKeys.DEFAULT_ROTATION_PERIOD, scheduler, SvidSigningKey::generate);
      this.tokens = new BootstrapTokens(tables, clock);
      this.transportSecurity =
          security.xdsTls()
              ? new XdsServerTls(
                  ca, security.xdsServerNames(), security.workloadCertTtl(), scheduler, clock)
              : TransportSecurity.PLAINTEXT;
    } catch (IOException | RuntimeException e) {
      closeQuietly(this::closeStore, e);
      throw e;
    }
    this.refusals = new RefusalLog(clock);
    this.tracker =
        new ProxyStatusTracker(
            clock,
            identity ->
                SpiffeId.parse(identity).map(certificates::info).orElse(CertificateInfo.NONE));
    SimpleCache<ProxyGroup> cache = new SimpleCache<>(ProxyGroup::of);
    NackHoldingWatcher nackHolding = new NackHoldingWatcher(cache);
    ResourceVersionCache versions = new ResourceVersionCache();
    EnvoyRuleValidator validator = new EnvoyRuleValidator(EnvoyTypeRegistry.get());
    PolicyEditor loader =
        new PolicyEditor(store, validator, new TranslatedPolicyCheck(validator), snapshot -> {});
    this.publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(trustDomain, jwksEndpoint::get),
            new SdsSecrets(certificates, signingKeys),
            versions,
            scheduler,
            config.pushQuietPeriod(),
            config.pushMaxDelay(),
            loader.current());
    certificates.addRenewalListener(identity -> publisher.secretsChanged(identity.uri()));
    signingKeys.addRotationListener(identity -> publisher.secretsChanged(identity.uri()));
    tracker.useRevisions(publisher, ProxyStatusTracker.DEFAULT_STALE_AFTER);
    this.editor =
        new PolicyEditor(
            store, validator, new TranslatedPolicyCheck(validator), publisher::policyChanged);
    if (database != null) {
      this.follower =
          new PolicyFollower(
              store,
              editor::current,
              publisher::policyChanged,
              () -> publisher.currentPolicy().revision(),
              scheduler,
              shared.get().headCheckInterval(),
              storeHealth);
      follower.start();
      this.commitListener = PostgresCommitListener.start(database, follower);
    } else {
      this.follower = null;
      this.commitListener = null;
    }
    ControlPlaneMetrics metrics =
        new ControlPlaneMetrics(
                () -> tracker.proxies().size(),
                tracker::openStreams,
                publisher::nodeGroups,
                tracker::ackCount,
                tracker::nackCount,
                publisher::pushCount,
                () -> publisher.currentPolicy().revision(),
                () -> storeHealth.up() ? 1 : 0)
            .withSyncStatus(
                () ->
                    tracker.proxies().stream()
                        .collect(
                            java.util.stream.Collectors.groupingBy(
                                p -> p.verdict().name(), java.util.stream.Collectors.counting())))
            .withGroups(
                () ->
                    tracker.proxies().stream()
                        .collect(
                            java.util.stream.Collectors.groupingBy(
                                io.attache.controlplane.xds.ProxyStatus::group,
                                java.util.stream.Collectors.counting())));
    tracker.reportingTo(metrics);
    editor.timingCommits(System::nanoTime, metrics::storeCommit);
    this.metrics = metrics;
    try {
      this.api =
          new AdminApi(
                  editor,
                  tracker,
                  publisher,
                  metrics,
                  EnvoyTypeRegistry.get(),
                  this::readiness,
                  config.adminSecurity())
              .withBootstrapTokens(tokens, trustDomain)
              .withJwks(signingKeys::jwks)
              .start(config.httpHost(), config.httpPort());
      // Bound before the xDS server serves anyone: every proxy's config names the JWKS's port.
      jwksEndpoint.set(advertisedJwks.orElseGet(() -> localJwks(config, api.port())));
    } catch (RuntimeException e) {
      metrics.close();
      closeSync();
      closeSecurity();
      closeQuietly(this::closeStore, e);
      throw e;
    }
    try {
      this.xds =
          XdsServer.start(
              new InetSocketAddress(config.xdsHost(), config.xdsPort()),
              // Every stream of every node group shares the snapshots' resource instances, whose
              // bytes the version cache made once: no push serialises an unchanged resource.
              // The guard goes first: nothing is served, or issued, to a refused request.
              new V3DiscoveryServer(
                  List.of(new SecretAccessGuard(trustDomain, refusals), tracker, nackHolding),
                  nackHolding,
                  new DefaultExecutorGroup(),
                  new ResourceBytesSerializer(versions)),
              new XdsStreamGuard(config.xdsLimits(), publisher, refusals),
              transportSecurity,
              new XdsAuthenticator(
                  trustDomain,
                  tokens,
                  security.xdsTls()
                      ? XdsAuthenticator.Requirement.REQUIRED
                      : XdsAuthenticator.Requirement.OPTIONAL,
                  refusals),
              config.xdsThreads());
    } catch (IOException | RuntimeException e) {
      closeQuietly(api, e);
      metrics.close();
      closeSync();
      closeSecurity();
      closeQuietly(this::closeStore, e);
      throw e;
    }
    config
        .adminSecurity()
        .startupWarnings(config.httpHost(), api.port())
        .forEach(warning -> LOG.warn(warning));
    this.ready = true;
  }

  public static ControlPlane start(ControlPlaneConfig config, Scheduler scheduler, Clock clock)
      throws IOException {
    return new ControlPlane(config, scheduler, clock);
  }

  private static void closeQuietly(AutoCloseable resource, Exception cause) {
    if (resource == null) {
      return;
    }
    try {
      resource.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }

  public int xdsPort() {
    return xds.port();
  }

  public int httpPort() {
    return api.port();
  }

  /** "http" or "https", as the admin API is served. */
  public String httpScheme() {
    return api.scheme();
  }

  public PolicyEditor editor() {
    return editor;
  }

  public ProxyStatusTracker proxies() {
    return tracker;
  }

  public WorkloadCertificates certificates() {
    return certificates;
  }

  /** The JWT-SVID signing keys of every identity served one, and the trust domain's JWKS. */
  public SvidSigningKeys signingKeys() {
    return signingKeys;
  }

  public BootstrapTokens bootstrapTokens() {
    return tokens;
  }

  /** Every refused xDS stream or request, most recent last. */
  public RefusalLog refusals() {
    return refusals;
  }

  /**
   * Ready once started and while the store answers: a replica that cannot reach the shared store
   * keeps serving its last snapshot but asks to be taken out of rotation.
   */
  private AdminApi.Readiness readiness() {
    if (!ready) {
      return AdminApi.Readiness.notReady("starting", "the control plane is starting");
    }
    return storeHealth
        .problem()
        .map(problem -> AdminApi.Readiness.notReady("store_unavailable", problem))
        .orElse(AdminApi.Readiness.READY);
  }

  /**
   * Whether the store is reachable as this replica last found it (always, for the embedded one).
   */
  public StoreHealth storeHealth() {
    return storeHealth;
  }

  /**
   * Without {@code --jwks-address}: the REST API's own address, with 127.0.0.1 for a wildcard bind
   * (so a one-machine mesh works as it is). TLS when the API serves HTTPS, trusted by its
   * certificate's anchor.
   */
  private static JwksEndpoint localJwks(ControlPlaneConfig config, int boundPort) {
    Optional<String> trust = config.adminSecurity().tls().trustAnchorPem();
    String host = config.httpHost();
    boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    return new JwksEndpoint(wildcard ? "127.0.0.1" : host, boundPort, trust);
  }

  private static CertificateAuthority certificateAuthority(
      ControlPlaneConfig config, DataSource tables, Clock clock) throws IOException {
    ControlPlaneConfig.Security security = config.security();
    if (security.operatorCa().isPresent()) {
      return CertificateAuthority.fromFiles(
          security.operatorCa().get().certificate(),
          security.operatorCa().get().key(),
          security.trustDomain(),
          clock);
    }
    if (config.sharedStore().isPresent()) {
      CaKeyEncryptionKey key =
          config
              .sharedStore()
              .get()
              .caKeyEncryptionKey()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "replicas of a shared store need one CA: give --ca-cert and --ca-key,"
                              + " or --ca-key-encryption-key-file (or "
                              + CaKeyEncryptionKey.ENV
                              + ") to keep a generated root in the store"));
      return SharedRootCa.loadOrGenerate(tables, key, security.trustDomain(), clock);
    }
    return CertificateAuthority.generatedIn(
        config.dataDir().resolve("ca"), security.trustDomain(), clock);
  }

  private void closeSync() {
    if (commitListener != null) {
      commitListener.close();
    }
    if (follower != null) {
      follower.close();
    }
  }

  private void closeStore() {
    store.close();
    if (database != null) {
      database.close();
    }
  }

  private void closeSecurity() {
    certificates.close();
    signingKeys.close();
    transportSecurity.close();
    tokens.close();
  }

  @Override
  public void close() {
    ready = false;
    closeSync();
    api.close();
    metrics.close();
    xds.close();
    closeSecurity();
    closeStore();
  }
}
