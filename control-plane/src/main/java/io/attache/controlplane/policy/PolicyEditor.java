package io.attache.controlplane.policy;

import com.google.protobuf.Message;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.store.Change;
import io.attache.controlplane.store.HeadMovedException;
import io.attache.controlplane.store.PolicyStore;
import io.attache.controlplane.store.Precondition;
import io.attache.controlplane.store.PreconditionFailedException;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.store.RevisionInfo;
import io.attache.controlplane.store.StoredResource;
import io.attache.controlplane.validate.EnvoyLoadRules;
import io.attache.controlplane.validate.EnvoyRuleValidator;
import io.attache.controlplane.validate.Violation;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The one way policy changes: builds the candidate policy a write would produce, validates it whole
 * (Attaché's policy rules, then Envoy's PGV rules on every generated and raw resource it translates
 * to), commits it as one revision with the caller's precondition, and hands the new policy to the
 * listener (the snapshot publisher). A rejected write stores nothing and publishes nothing. Writes
 * are serialised; reads go straight to the store.
 */
public final class PolicyEditor {

  /** Heads moved by other replicas a write tolerates before it gives up (see {@link #onHead}). */
  static final int MAX_ATTEMPTS = 10;

  private final PolicyStore store;
  private final PolicyValidator policyValidator = new PolicyValidator();
  private final EnvoyRuleValidator envoyValidator;
  private final GeneratedConfigCheck generatedConfig;
  private final Consumer<PolicySnapshot> onChange;
  private volatile Consumer<java.time.Duration> commitTimes = took -> {};
  private volatile java.util.function.LongSupplier nanoTime = System::nanoTime;

  public PolicyEditor(
      PolicyStore store,
      EnvoyRuleValidator envoyValidator,
      GeneratedConfigCheck generatedConfig,
      Consumer<PolicySnapshot> onChange) {
    this.store = store;
    this.envoyValidator = envoyValidator;
    this.generatedConfig = generatedConfig;
    this.onChange = onChange;
  }

  /** Reports how long each store commit took, on the ticker {@code nanoTime}. */
  public PolicyEditor timingCommits(
      java.util.function.LongSupplier nanoTime, Consumer<java.time.Duration> commitTimes) {
    this.nanoTime = nanoTime;
    this.commitTimes = commitTimes;
    return this;
  }

  /** The whole current policy, as the translator reads it. */
  public PolicySnapshot current() {
    long head = store.headRevision();
    return snapshotOf(head, store.stateAt(head));
  }

  public StoredResource get(ResourceKind kind, String name) throws PolicyRejection {
    return store
        .get(kind, name)
        .orElseThrow(
            () ->
                new PolicyRejection(
                    PolicyRejection.Reason.NOT_FOUND,
                    "",
                    describe(kind, name) + " does not exist"));
  }

  /** The stored defaults, or the built-in ones at revision 0 when none were ever written. */
  public StoredResource defaults() {
    return store
        .get(ResourceKind.DEFAULTS, ResourceKind.MESH_DEFAULTS_NAME)
        .orElse(
            new StoredResource(
                ResourceKind.DEFAULTS,
                ResourceKind.MESH_DEFAULTS_NAME,
                BuiltInMeshDefaults.get(),
                0));
  }

  public List<StoredResource> list(ResourceKind kind) {
    return store.list(kind);
  }

  public List<RevisionInfo> revisions() {
    return store.revisions();
  }

  /** Creates or replaces one resource. The body's name must be empty or equal {@code name}. */
  public synchronized StoredResource put(
      ResourceKind kind, String name, Message body, Precondition precondition)
      throws PolicyRejection {
    Message named = withName(kind, name, body, "");
    StoredResource existing =
        kind == ResourceKind.DEFAULTS ? defaults() : store.get(kind, name).orElse(null);
    if (existing != null && existing.body().equals(named)) {
      // Writing what is there changes nothing: no revision, no push, the same ETag.
      if (!precondition.admits(existing.revision())) {
        throw preconditionFailed(kind, name, existing.revision());
      }
      return existing;
    }
    long revision =
        onHead(
            base -> {
              PolicySnapshot candidate = withChange(base, kind, name, Optional.of(named));
              validate(candidate, List.of(new Written(kind, name, named, "")));
              return commit(
                  base.revision(),
                  List.of(Change.put(kind, name, named, precondition)),
                  "put " + describe(kind, name));
            });
    publish();
    return new StoredResource(kind, name, named, revision);
  }

  public synchronized void delete(ResourceKind kind, String name, Precondition precondition)
      throws PolicyRejection {
    onHead(
        base -> {
          StoredResource existing = get(kind, name);
          PolicySnapshot candidate = withChange(base, kind, name, Optional.empty());
          validate(candidate, List.of());
          return commit(
              base.revision(),
              List.of(Change.delete(kind, name, precondition)),
              "delete " + describe(kind, existing.name()));
        });
    publish();
  }

  /**
   * Applies a declarative set as one revision, or not at all. The set is validated whole, so its
   * order does not matter (a route may come before its services). A resource identical to the
   * stored one is UNCHANGED; with {@code prune}, stored resources the set does not contain are
   * DELETED (the defaults then return to the built-in ones). Nothing changing, or {@code dryRun},
   * commits nothing. Each change is conditional on the revision it was compared against, so a write
   * that lands between the comparison and the commit fails the apply instead of being overwritten.
   */
  public synchronized ApplyResult apply(
      List<PolicyDocument> documents, boolean prune, boolean dryRun) throws PolicyRejection {
    for (int attempts = 1; ; attempts++) {
      try {
        return applyOnHead(documents, prune, dryRun);
      } catch (HeadMovedException e) {
        if (attempts >= MAX_ATTEMPTS) {
          throw headKeptMoving(attempts);
        }
      }
    }
  }

  /** One try of {@link #apply}: compared and validated against the head, committed on it. */
  private ApplyResult applyOnHead(List<PolicyDocument> documents, boolean prune, boolean dryRun)
      throws PolicyRejection, HeadMovedException {
    long head = store.headRevision();
    List<StoredResource> stored = store.stateAt(head);
    Map<String, StoredResource> storedByKey = byKey(stored);
    Map<String, PolicyDocument> seen = new HashMap<>();
    List<ResourceChange> report = new ArrayList<>();
    List<Change> changes = new ArrayList<>();
    List<Written> written = new ArrayList<>();
    PolicySnapshot candidate = snapshotOf(head, stored);
    for (PolicyDocument document : documents) {
      String key = key(document.kind(), document.name());
      PolicyDocument earlier = seen.putIfAbsent(key, document);
      if (earlier != null) {
        throw new PolicyRejection(
            PolicyRejection.Reason.INVALID,
            document.field().replaceFirst("\\.spec$", ""),
            describe(document.kind(), document.name())
                + " appears twice in the set (first at "
                + earlier.field().replaceFirst("\\.spec$", "")
                + ")");
      }
      Message named = withName(document.kind(), document.name(), document.spec(), document.field());
      StoredResource current = storedByKey.get(key);
      Optional<Message> before =
          current != null
              ? Optional.of(current.body())
              : document.kind() == ResourceKind.DEFAULTS
                  ? Optional.of(BuiltInMeshDefaults.get())
                  : Optional.empty();
      ResourceChange change =
          ResourceChange.between(document.kind(), document.name(), before, Optional.of(named));
      report.add(change);
      if (change.action() == ResourceChange.Action.UNCHANGED) {
        continue;
      }
      changes.add(
          Change.put(
              document.kind(),
              document.name(),
              named,
              current == null ? Precondition.absent() : Precondition.revision(current.revision())));
      written.add(new Written(document.kind(), document.name(), named, document.field()));
      candidate = withChange(candidate, document.kind(), document.name(), Optional.of(named));
    }
    if (prune) {
      for (StoredResource current : stored) {
        if (seen.containsKey(key(current.kind(), current.name()))) {
          continue;
        }
        report.add(
            ResourceChange.between(
                current.kind(), current.name(), Optional.of(current.body()), Optional.empty()));
        changes.add(
            Change.delete(
                current.kind(), current.name(), Precondition.revision(current.revision())));
        candidate = withChange(candidate, current.kind(), current.name(), Optional.empty());
      }
    }
    validate(candidate, written);
    if (dryRun || changes.isEmpty()) {
      return new ApplyResult(head, head, false, report);
    }
    ApplyResult result = new ApplyResult(head, 0, false, report);
    long committed = commit(head, changes, "apply: " + result.summary());
    publish();
    return new ApplyResult(head, committed, true, report);
  }

  /** Every resource as it was at {@code revision} (0: the empty store), sorted by kind and name. */
  public List<StoredResource> stateAt(long revision) throws PolicyRejection {
    requireRevision(revision, true);
    return revision == 0 ? List.of() : store.stateAt(revision);
  }

  /** The revision's record: when it was made and what it did. */
  public RevisionInfo revision(long revision) throws PolicyRejection {
    requireRevision(revision, false);
    return store.revisions().stream()
        .filter(r -> r.revision() == revision)
        .findFirst()
        .orElseThrow(() -> noRevision(revision, store.headRevision()));
  }

  /**
   * How the policy differs from revision {@code from} to revision {@code to}: every resource that
   * was created, changed or deleted between them, sorted by kind and name. Read from the store's
   * history alone, so it works for any store that keeps {@link PolicyStore#stateAt}.
   */
  public List<ResourceChange> changesBetween(long from, long to) throws PolicyRejection {
    Map<String, StoredResource> before = byKey(stateAt(from));
    Map<String, StoredResource> after = byKey(stateAt(to));
    java.util.SortedSet<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    List<ResourceChange> changes = new ArrayList<>();
    for (String key : keys) {
      StoredResource b = before.get(key);
      StoredResource a = after.get(key);
      StoredResource either = a != null ? a : b;
      ResourceChange change =
          ResourceChange.between(
              either.kind(),
              either.name(),
              Optional.ofNullable(b).map(StoredResource::body),
              Optional.ofNullable(a).map(StoredResource::body));
      if (change.action() != ResourceChange.Action.UNCHANGED) {
        changes.add(change);
      }
    }
    changes.sort(
        java.util.Comparator.comparing((ResourceChange c) -> c.kind().ordinal())
            .thenComparing(ResourceChange::name));
    return changes;
  }

  private void requireRevision(long revision, boolean zeroAllowed) throws PolicyRejection {
    long head = store.headRevision();
    if (revision < (zeroAllowed ? 0 : 1) || revision > head) {
      throw noRevision(revision, head);
    }
  }

  private static PolicyRejection noRevision(long revision, long head) {
    return new PolicyRejection(
        PolicyRejection.Reason.NOT_FOUND,
        "",
        "no revision " + revision + " (head is " + head + ")");
  }

  /**
   * Makes the policy what it was at {@code revision}, as a new revision. Returns the new revision.
   */
  public synchronized long rollback(long revision) throws PolicyRejection {
    long committed =
        onHead(
            base -> {
              long head = base.revision();
              if (revision < 1 || revision > head) {
                throw new PolicyRejection(
                    PolicyRejection.Reason.NOT_FOUND,
                    "",
                    "no revision " + revision + " (head is " + head + ")");
              }
              List<StoredResource> target = store.stateAt(revision);
              List<StoredResource> now = store.stateAt(head);
              validate(snapshotOf(revision, target), List.of());
              return commit(head, rollbackChanges(target, now), "rollback to revision " + revision);
            });
    publish();
    return committed;
  }

  private static List<Change> rollbackChanges(
      List<StoredResource> target, List<StoredResource> now) {
    Map<String, StoredResource> targetByKey = byKey(target);
    Map<String, StoredResource> nowByKey = byKey(now);
    List<Change> changes = new ArrayList<>();
    for (StoredResource current : now) {
      StoredResource wanted = targetByKey.get(key(current.kind(), current.name()));
      if (wanted == null) {
        changes.add(
            Change.delete(
                current.kind(), current.name(), Precondition.revision(current.revision())));
      } else if (!wanted.body().equals(current.body())) {
        changes.add(
            Change.put(
                current.kind(),
                current.name(),
                wanted.body(),
                Precondition.revision(current.revision())));
      }
    }
    for (StoredResource wanted : target) {
      if (!nowByKey.containsKey(key(wanted.kind(), wanted.name()))) {
        changes.add(Change.put(wanted.kind(), wanted.name(), wanted.body(), Precondition.absent()));
      }
    }
    return changes;
  }

  /** One try of a write: validate against {@code base}, then commit on it. */
  @FunctionalInterface
  private interface Attempt {
    long run(PolicySnapshot base) throws PolicyRejection, HeadMovedException;
  }

  /**
   * Runs a write against the current head until it commits on the head it was validated against.
   * Another replica committing in between moves the head; the write is then validated again on the
   * new policy, so no replica ever stores a policy that was not validated whole. Bounded: after
   * {@link #MAX_ATTEMPTS} moved heads the write is refused as unavailable, and nothing is stored.
   */
  private long onHead(Attempt attempt) throws PolicyRejection {
    for (int attempts = 1; ; attempts++) {
      try {
        return attempt.run(current());
      } catch (HeadMovedException e) {
        if (attempts >= MAX_ATTEMPTS) {
          throw headKeptMoving(attempts);
        }
      }
    }
  }

  private static PolicyRejection headKeptMoving(int attempts) {
    return new PolicyRejection(
        PolicyRejection.Reason.UNAVAILABLE,
        "",
        "other replicas committed "
            + attempts
            + " times while this write was being validated; nothing was written, retry");
  }

  private long commit(long baseRevision, List<Change> changes, String summary)
      throws PolicyRejection, HeadMovedException {
    long start = nanoTime.getAsLong();
    try {
      return store.commitOnHead(baseRevision, changes, summary);
    } catch (PreconditionFailedException e) {
      throw preconditionFailed(e.kind(), e.name(), e.currentRevision());
    } finally {
      commitTimes.accept(java.time.Duration.ofNanos(nanoTime.getAsLong() - start));
    }
  }

  private static PolicyRejection preconditionFailed(
      ResourceKind kind, String name, long currentRevision) {
    String message =
        currentRevision == 0
            ? describe(kind, name) + " does not exist"
            : describe(kind, name) + " was changed: its ETag is now \"" + currentRevision + "\"";
    return new PolicyRejection(PolicyRejection.Reason.PRECONDITION_FAILED, "", message);
  }

  private void publish() {
    onChange.accept(current());
  }

  /** A resource the request writes, and the field path its own errors are reported under. */
  private record Written(ResourceKind kind, String name, Message body, String field) {}

  /**
   * Rejects the candidate if any rule breaks. Violations inside a written resource are INVALID
   * (400) with paths relative to it (under its {@code field}); violations elsewhere (a route left
   * pointing at a deleted service) are CONFLICT (409) with absolute paths. Every policy violation
   * is reported, the first as the error and the rest as its others.
   */
  private void validate(PolicySnapshot candidate, List<Written> written) throws PolicyRejection {
    List<Violation> policyViolations = policyValidator.validate(candidate);
    if (!policyViolations.isEmpty()) {
      PolicyRejection.Reason reason = null;
      List<Violation> located = new ArrayList<>();
      for (Violation violation : policyViolations) {
        Violation own = null;
        for (Written w : written) {
          String prefix = ownPath(w.kind(), w.name());
          if (prefix != null && violation.field().startsWith(prefix)) {
            String relative = violation.field().substring(prefix.length()).replaceFirst("^\\.", "");
            own = new Violation(join(w.field(), relative), violation.message());
            break;
          }
        }
        PolicyRejection.Reason thisReason =
            own != null ? PolicyRejection.Reason.INVALID : PolicyRejection.Reason.CONFLICT;
        reason = reason == null ? thisReason : reason;
        located.add(own != null ? own : violation);
      }
      Violation first = located.get(0);
      throw new PolicyRejection(
          reason, first.field(), first.message(), located.subList(1, located.size()));
    }
    for (Written w : written) {
      if (w.kind().name().startsWith("RAW_")) {
        List<Violation> raw = envoyValidator.validate(w.body());
        if (raw.isEmpty()) {
          raw = envoyLoadRules(candidate, w.kind(), w.body());
        }
        if (!raw.isEmpty()) {
          throw new PolicyRejection(
              PolicyRejection.Reason.INVALID,
              join(w.field(), raw.get(0).field()),
              raw.get(0).message());
        }
        checkHostAddresses(w.body(), w.field());
      }
    }
    generatedConfig.check(candidate);
    checkRawClashes(candidate);
  }

  /** What a stock Envoy checks beyond PGV when it loads the raw resource. */
  private static List<Violation> envoyLoadRules(
      PolicySnapshot candidate, ResourceKind kind, Message written) {
    return switch (kind) {
      case RAW_CLUSTER -> EnvoyLoadRules.cluster((Cluster) written);
      case RAW_ENDPOINT -> EnvoyLoadRules.endpoints((ClusterLoadAssignment) written);
      case RAW_ROUTE -> EnvoyLoadRules.routes((RouteConfiguration) written);
      case RAW_LISTENER -> {
        java.util.Set<String> clusters = new java.util.HashSet<>(candidate.services().keySet());
        clusters.addAll(candidate.rawClusters().keySet());
        yield EnvoyLoadRules.listener((Listener) written, clusters);
      }
      default -> List.of();
    };
  }

  private static String join(String prefix, String field) {
    if (prefix.isEmpty()) {
      return field;
    }
    return field.isEmpty() ? prefix : prefix + "." + field;
  }

  /**
   * Envoy and the Attaché proxy take host addresses of an EDS resource or of a STATIC or EDS
   * cluster as IP literals only (a name needs a STRICT_DNS or LOGICAL_DNS cluster, or a resolver):
   * anything else would be NACKed by every proxy, so it is refused here.
   */
  private static void checkHostAddresses(Message written, String field) throws PolicyRejection {
    if (written instanceof ClusterLoadAssignment assignment) {
      checkIpAddresses(assignment, field, "");
    } else if (written instanceof Cluster cluster
        && (cluster.getType() == Cluster.DiscoveryType.STATIC
            || cluster.getType() == Cluster.DiscoveryType.EDS)) {
      checkIpAddresses(cluster.getLoadAssignment(), field, "load_assignment.");
    }
  }

  private static void checkIpAddresses(
      ClusterLoadAssignment assignment, String field, String prefix) throws PolicyRejection {
    for (int i = 0; i < assignment.getEndpointsCount(); i++) {
      var locality = assignment.getEndpoints(i);
      for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
        var socket = locality.getLbEndpoints(j).getEndpoint().getAddress().getSocketAddress();
        if (!socket.getAddress().isEmpty()
            && socket.getResolverName().isEmpty()
            && EndpointAddress.of(socket.getAddress()) != EndpointAddress.IP) {
          throw new PolicyRejection(
              PolicyRejection.Reason.INVALID,
              join(
                  field,
                  prefix
                      + "endpoints["
                      + i
                      + "].lb_endpoints["
                      + j
                      + "].endpoint.address.socket_address.address"),
              "'"
                  + socket.getAddress()
                  + "' is not an IP address: EDS and STATIC hosts must be (a name needs a"
                  + " STRICT_DNS or LOGICAL_DNS cluster)");
        }
      }
    }
  }

  private void checkRawClashes(PolicySnapshot candidate) throws PolicyRejection {
    for (String cluster : candidate.rawClusters().keySet()) {
      if (candidate.services().containsKey(cluster)) {
        throw clash("clusters", cluster, "the cluster of service '" + cluster + "'");
      }
    }
    for (String endpoints : candidate.rawEndpoints().keySet()) {
      if (candidate.services().containsKey(endpoints)) {
        throw clash("endpoints", endpoints, "the endpoints of service '" + endpoints + "'");
      }
    }
    for (String listener : candidate.rawListeners().keySet()) {
      if (listener.equals(io.attache.controlplane.translate.XdsNames.OUTBOUND_LISTENER)
          || candidate.services().containsKey(listener)) {
        throw clash("listeners", listener, "a generated listener");
      }
    }
    for (String route : candidate.rawRoutes().keySet()) {
      if (route.equals(io.attache.controlplane.translate.XdsNames.OUTBOUND_ROUTE_CONFIG)) {
        throw clash("routes", route, "the generated route configuration");
      }
    }
  }

  private static PolicyRejection clash(String type, String name, String what) {
    return new PolicyRejection(
        PolicyRejection.Reason.CONFLICT,
        "raw." + PolicyValidator.path(type, name),
        "name clashes with " + what);
  }

  private static Message withName(ResourceKind kind, String name, Message body, String prefix)
      throws PolicyRejection {
    String nameField;
    switch (kind) {
      case DEFAULTS:
        return body;
      case RAW_ENDPOINT:
        nameField = "cluster_name";
        break;
      default:
        nameField = "name";
    }
    var field = body.getDescriptorForType().findFieldByName(nameField);
    String given = (String) body.getField(field);
    if (given.isEmpty()) {
      return body.toBuilder().setField(field, name).build();
    }
    if (!given.equals(name)) {
      throw new PolicyRejection(
          PolicyRejection.Reason.INVALID,
          join(prefix, nameField),
          "'"
              + given
              + "' does not match the name "
              + (prefix.isEmpty() ? "in the path" : "of the document")
              + " '"
              + name
              + "'");
    }
    return body;
  }

  private static PolicySnapshot withChange(
      PolicySnapshot base, ResourceKind kind, String name, Optional<Message> body) {
    TreeMap<String, Service> services = new TreeMap<>(base.services());
    TreeMap<String, Route> routes = new TreeMap<>(base.routes());
    TreeMap<String, Cluster> clusters = new TreeMap<>(base.rawClusters());
    TreeMap<String, ClusterLoadAssignment> endpoints = new TreeMap<>(base.rawEndpoints());
    TreeMap<String, RouteConfiguration> rawRoutes = new TreeMap<>(base.rawRoutes());
    TreeMap<String, Listener> listeners = new TreeMap<>(base.rawListeners());
    TreeMap<String, Authorization> authorizations = new TreeMap<>(base.authorizations());
    MeshDefaults defaults = base.defaults();
    switch (kind) {
      case SERVICE -> apply(services, name, body.map(Service.class::cast));
      case ROUTE -> apply(routes, name, body.map(Route.class::cast));
      case RAW_CLUSTER -> apply(clusters, name, body.map(Cluster.class::cast));
      case RAW_ENDPOINT -> apply(endpoints, name, body.map(ClusterLoadAssignment.class::cast));
      case RAW_ROUTE -> apply(rawRoutes, name, body.map(RouteConfiguration.class::cast));
      case RAW_LISTENER -> apply(listeners, name, body.map(Listener.class::cast));
      case AUTHORIZATION -> apply(authorizations, name, body.map(Authorization.class::cast));
      case DEFAULTS ->
          defaults = body.map(MeshDefaults.class::cast).orElse(BuiltInMeshDefaults.get());
    }
    return new PolicySnapshot(
        base.revision(),
        defaults,
        services,
        routes,
        clusters,
        endpoints,
        rawRoutes,
        listeners,
        authorizations);
  }

  private static <T> void apply(TreeMap<String, T> map, String name, Optional<T> body) {
    if (body.isPresent()) {
      map.put(name, body.get());
    } else {
      map.remove(name);
    }
  }

  /** Builds the translator's view from stored resources. */
  public static PolicySnapshot snapshotOf(long revision, List<StoredResource> resources) {
    PolicySnapshot empty = PolicySnapshot.empty();
    PolicySnapshot snapshot =
        new PolicySnapshot(
            revision,
            empty.defaults(),
            empty.services(),
            empty.routes(),
            empty.rawClusters(),
            empty.rawEndpoints(),
            empty.rawRoutes(),
            empty.rawListeners(),
            empty.authorizations());
    for (StoredResource resource : resources) {
      snapshot =
          withChange(snapshot, resource.kind(), resource.name(), Optional.of(resource.body()));
    }
    return snapshot;
  }

  private static String ownPath(ResourceKind kind, String name) {
    switch (kind) {
      case SERVICE:
        return PolicyValidator.path("services", name);
      case ROUTE:
        return PolicyValidator.path("routes", name);
      case AUTHORIZATION:
        return PolicyValidator.path("authorizations", name);
      case DEFAULTS:
        return "defaults";
      default:
        return null; // raw resources are checked against Envoy's rules, not the policy rules
    }
  }

  private static Map<String, StoredResource> byKey(List<StoredResource> resources) {
    Map<String, StoredResource> map = new HashMap<>();
    resources.forEach(r -> map.put(key(r.kind(), r.name()), r));
    return map;
  }

  private static String key(ResourceKind kind, String name) {
    return kind + "/" + name;
  }

  private static String describe(ResourceKind kind, String name) {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " '" + name + "'";
  }
}
