package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.TypeRegistry;
import io.attache.controlplane.ca.BootstrapTokens;
import io.attache.controlplane.policy.PolicyEditor;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.store.Precondition;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.store.RevisionInfo;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.store.StoredResource;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.xds.ProxyStatus;
import io.attache.controlplane.xds.ProxyStatusTracker;
import io.attache.controlplane.xds.SnapshotPublisher;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST admin API (Javalin): policy CRUD with ETag/If-Match, raw Envoy resources, proxy status
 * and config dumps, revisions and rollback, health, readiness, metrics and the OpenAPI document.
 * Bodies are proto3 JSON; every error is {@code {"error","field","message"}}. Handlers never touch
 * the store directly: writes go through the PolicyEditor, which validates first. With tokens
 * configured, every request except health, readiness and the OpenAPI document is checked before any
 * handler runs, so a refused request never reaches the editor.
 */
public final class AdminApi implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final String JSON = "application/json";

  /** Marks a response whose error body we wrote, so Javalin's 404/405 mappers leave it alone. */
  private static final String OWN_ERROR = "attache.error";

  /** Where verifiers fetch the trust domain's JWT-SVID public keys (RFC 7517 JWKS). */
  public static final String JWKS_PATH = io.attache.controlplane.translate.JwksEndpoint.PATH;

  /**
   * Reachable without a token: probes, the static API description and the JWKS (public keys that
   * every proxy fetches) carry no policy.
   */
  private static final Set<String> OPEN_PATHS =
      Set.of("/healthz", "/readyz", "/api/v1/openapi.json", JWKS_PATH);

  private static final String CHALLENGE = "Bearer realm=\"attache\"";

  private static final Map<String, ResourceKind> RAW_KINDS =
      Map.of(
          "clusters", ResourceKind.RAW_CLUSTER,
          "endpoints", ResourceKind.RAW_ENDPOINT,
          "routes", ResourceKind.RAW_ROUTE,
          "listeners", ResourceKind.RAW_LISTENER);

  private final PolicyEditor editor;
  private final ProxyStatusTracker proxies;
  private final SnapshotPublisher publisher;
  private final ControlPlaneMetrics metrics;
  private final Supplier<Readiness> ready;
  private final JsonCodec codec;
  private final ObjectMapper mapper = new ObjectMapper();
  private final String openApi;
  private final AdminSecurity security;
  private java.util.function.Consumer<Javalin> identityRoutes = app -> {};
  private java.util.function.Supplier<String> jwks = () -> "{\"keys\":[]}";
  private final DeclarativeApi declarative;
  private final com.fasterxml.jackson.dataformat.yaml.YAMLMapper yaml =
      new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
  private Javalin app;

  public AdminApi(
      PolicyEditor editor,
      ProxyStatusTracker proxies,
      SnapshotPublisher publisher,
      ControlPlaneMetrics metrics,
      TypeRegistry types,
      Supplier<Readiness> ready,
      AdminSecurity security) {
    this.editor = editor;
    this.security = security;
    this.proxies = proxies;
    this.publisher = publisher;
    this.metrics = metrics;
    this.ready = ready;
    this.codec = new JsonCodec(types);
    this.openApi = resource("/openapi.json");
    this.declarative = new DeclarativeApi(editor, codec, metrics);
  }

  /** Serves the bootstrap-token endpoints under /api/v1/identities; call before start. */
  public AdminApi withBootstrapTokens(BootstrapTokens tokens, String trustDomain) {
    this.identityRoutes = new IdentityTokensApi(tokens, trustDomain)::routes;
    return this;
  }

  /** Serves {@code jwks} (read on every request) at {@link #JWKS_PATH}; an empty set otherwise. */
  public AdminApi withJwks(java.util.function.Supplier<String> jwks) {
    this.jwks = jwks;
    return this;
  }

  /** Starts listening; port 0 picks a free port. */
  public AdminApi start(String host, int port) {
    app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.prefer405over404 = true;
              config.http.maxRequestSize = RequestBodies.MAX_BYTES;
              config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorPages()));
              config.startupWatcherEnabled = false;
              config.requestLogger.http(
                  (ctx, millis) ->
                      metrics.restRequest(
                          routeOf(ctx),
                          ctx.method().name(),
                          ctx.status().getCode(),
                          java.time.Duration.ofNanos((long) (millis * 1_000_000))));
              security.tls().install(config, host, port);
              // The web console: static files that carry no policy; every call it makes is a
              // REST call with the user's token, like any other client's.
              config.staticFiles.add(
                  files -> {
                    files.hostedPath = "/ui";
                    files.directory = "/ui";
                    files.location = io.javalin.http.staticfiles.Location.CLASSPATH;
                    files.headers =
                        Map.of(
                            "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'",
                            "X-Content-Type-Options",
                            "nosniff");
                  });
            });
    app.before(this::checkAccess);
    routes(app);
    app.start();
    return this;
  }

  /**
   * The route pattern that served a request ({@code /api/v1/routes/{name}}), never the raw path, so
   * the metric's labels stay bounded; {@code unmatched} when no route did (404s, the console's
   * static files).
   */
  private static String routeOf(io.javalin.http.Context ctx) {
    String route;
    try {
      route = ctx.endpointHandlerPath();
    } catch (RuntimeException e) {
      return "unmatched";
    }
    boolean notFound = ctx.status().getCode() == 404 && route != null && route.equals(ctx.path());
    if (route == null || route.isEmpty() || route.equals("*") || notFound) {
      return "unmatched";
    }
    return route;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    if (app != null) {
      app.stop();
    }
  }

  /** The scheme clients use: https when a certificate was given. */
  public String scheme() {
    return security.tls().scheme();
  }

  private void checkAccess(Context ctx) throws AccessRefused {
    if (OPEN_PATHS.contains(ctx.path()) || ctx.path().equals("/") || ctx.path().startsWith("/ui")) {
      return;
    }
    // A dry run stores nothing: a read-only token may ask what an apply would do.
    String method = DeclarativeApi.isDryRun(ctx) ? "GET" : ctx.method().name();
    AccessDecision decision = security.tokens().decide(ctx.header("Authorization"), method);
    switch (decision) {
      case ALLOWED -> {}
      case UNAUTHENTICATED, FORBIDDEN -> throw new AccessRefused(decision);
    }
  }

  private void refuse(AccessRefused refused, Context ctx) {
    switch (refused.decision) {
      case FORBIDDEN -> {
        metrics.forbidden();
        ctx.header("WWW-Authenticate", CHALLENGE + ", error=\"insufficient_scope\"");
        error(
            ctx,
            403,
            "permission_denied",
            "Authorization",
            "a read-only token may not " + ctx.method().name() + " " + ctx.path());
      }
      default -> {
        metrics.unauthenticated();
        ctx.header("WWW-Authenticate", CHALLENGE);
        error(
            ctx,
            401,
            "unauthenticated",
            "Authorization",
            "send 'Authorization: Bearer <token>' with a token from the admin token file");
      }
    }
  }

  /** Thrown before any handler runs, so a refused request changes nothing. */
  private static final class AccessRefused extends Exception {
    private final AccessDecision decision;

    AccessRefused(AccessDecision decision) {
      super(decision.name(), null, false, false);
      this.decision = decision;
    }
  }

  private void routes(Javalin app) {
    app.get("/api/v1/services", ctx -> list(ctx, ResourceKind.SERVICE));
    app.get(
        "/api/v1/services/{name}", ctx -> get(ctx, ResourceKind.SERVICE, ctx.pathParam("name")));
    app.put(
        "/api/v1/services/{name}", ctx -> put(ctx, ResourceKind.SERVICE, ctx.pathParam("name")));
    app.delete(
        "/api/v1/services/{name}", ctx -> delete(ctx, ResourceKind.SERVICE, ctx.pathParam("name")));
    app.patch(
        "/api/v1/services/{name}", ctx -> patch(ctx, ResourceKind.SERVICE, ctx.pathParam("name")));
    app.get("/api/v1/routes", ctx -> list(ctx, ResourceKind.ROUTE));
    app.get("/api/v1/routes/{name}", ctx -> get(ctx, ResourceKind.ROUTE, ctx.pathParam("name")));
    app.put("/api/v1/routes/{name}", ctx -> put(ctx, ResourceKind.ROUTE, ctx.pathParam("name")));
    app.delete(
        "/api/v1/routes/{name}", ctx -> delete(ctx, ResourceKind.ROUTE, ctx.pathParam("name")));
    app.patch(
        "/api/v1/routes/{name}", ctx -> patch(ctx, ResourceKind.ROUTE, ctx.pathParam("name")));
    app.get("/api/v1/authorizations", ctx -> list(ctx, ResourceKind.AUTHORIZATION));
    app.get(
        "/api/v1/authorizations/{name}",
        ctx -> get(ctx, ResourceKind.AUTHORIZATION, ctx.pathParam("name")));
    app.put(
        "/api/v1/authorizations/{name}",
        ctx -> put(ctx, ResourceKind.AUTHORIZATION, ctx.pathParam("name")));
    app.delete(
        "/api/v1/authorizations/{name}",
        ctx -> delete(ctx, ResourceKind.AUTHORIZATION, ctx.pathParam("name")));
    app.patch(
        "/api/v1/authorizations/{name}",
        ctx -> patch(ctx, ResourceKind.AUTHORIZATION, ctx.pathParam("name")));
    app.get("/api/v1/defaults", ctx -> respond(ctx, 200, editor.defaults()));
    app.put(
        "/api/v1/defaults",
        ctx -> put(ctx, ResourceKind.DEFAULTS, ResourceKind.MESH_DEFAULTS_NAME));
    app.patch(
        "/api/v1/defaults",
        ctx -> patch(ctx, ResourceKind.DEFAULTS, ResourceKind.MESH_DEFAULTS_NAME));
    app.get("/api/v1/raw/{type}", ctx -> list(ctx, rawKind(ctx)));
    app.get("/api/v1/raw/{type}/{name}", ctx -> get(ctx, rawKind(ctx), ctx.pathParam("name")));
    app.put("/api/v1/raw/{type}/{name}", ctx -> put(ctx, rawKind(ctx), ctx.pathParam("name")));
    app.delete(
        "/api/v1/raw/{type}/{name}", ctx -> delete(ctx, rawKind(ctx), ctx.pathParam("name")));
    app.patch("/api/v1/raw/{type}/{name}", ctx -> patch(ctx, rawKind(ctx), ctx.pathParam("name")));
    app.get("/api/v1/proxies", this::listProxies);
    app.get("/api/v1/proxies/{nodeId}", this::getProxy);
    app.get("/api/v1/proxies/{nodeId}/config", this::proxyConfig);
    app.get("/api/v1/status", this::syncStatus);
    identityRoutes.accept(app);
    declarative.routes(app);
    app.get("/api/v1/whoami", this::whoami);
    app.get("/api/v1/revisions", this::listRevisions);
    app.post("/api/v1/revisions/{revision}/rollback", this::rollback);
    app.get("/api/v1/openapi.json", ctx -> ctx.contentType(JSON).result(openApi));
    app.get("/", ctx -> ctx.redirect("/ui/"));
    app.get("/healthz", ctx -> ctx.contentType(JSON).result("{\"status\":\"ok\"}"));
    app.get(JWKS_PATH, ctx -> ctx.contentType(JSON).result(jwks.get()));
    app.get(
        "/readyz",
        ctx -> {
          Readiness readiness = ready.get();
          ObjectNode body = mapper.createObjectNode();
          body.put("status", readiness.status());
          if (!readiness.ready()) {
            body.put("message", readiness.message());
          }
          json(ctx, readiness.ready() ? 200 : 503, body);
        });
    app.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
    app.exception(PolicyRejection.class, this::reject);
    app.exception(StoreException.class, this::storeUnavailable);
    app.exception(AccessRefused.class, this::refuse);
    // Javalin's own refusals (405 with prefer405over404, 413 by Content-Length, ...) in our shape.
    app.exception(
        HttpResponseException.class,
        (e, ctx) ->
            error(
                ctx,
                e.getStatus(),
                JsonErrorPages.errorName(e.getStatus()),
                "",
                e.getStatus() == 405
                    ? ctx.method() + " is not allowed on " + ctx.path()
                    : messageOf(e.getStatus())));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
          error(ctx, 500, "internal", "", "the control plane failed; its log has the cause");
        });
    app.error(
        404,
        ctx -> {
          if (ctx.attribute(OWN_ERROR) == null) {
            error(ctx, 404, "not_found", "", "no endpoint " + ctx.method() + " " + ctx.path());
          }
        });
    app.error(
        405,
        ctx -> {
          if (ctx.resultInputStream() == null) {
            error(
                ctx,
                405,
                "method_not_allowed",
                "",
                ctx.method() + " is not allowed on " + ctx.path());
          }
        });
  }

  private void list(Context ctx, ResourceKind kind) {
    ArrayNode items = mapper.createArrayNode();
    for (StoredResource resource : editor.list(kind)) {
      items.add(tree(codec.print(resource.body())));
    }
    ObjectNode body = mapper.createObjectNode();
    body.set("items", items);
    json(ctx, 200, body);
  }

  private void get(Context ctx, ResourceKind kind, String name) throws PolicyRejection {
    respond(ctx, 200, editor.get(kind, name));
  }

  private void put(Context ctx, ResourceKind kind, String name) throws PolicyRejection {
    Message body = codec.parse(bodyAsJson(ctx), kind.prototype());
    Precondition precondition = precondition(ctx);
    boolean existed = kind == ResourceKind.DEFAULTS || hasCurrent(kind, name);
    StoredResource stored = editor.put(kind, name, body, precondition);
    metrics.writeAccepted();
    respond(ctx, existed ? 200 : 201, stored);
  }

  /**
   * JSON merge patch (RFC 7396) of one resource: fields in the patch replace the stored ones,
   * {@code null} removes one, everything else stays — so changing one retry field keeps the
   * breaker. Conditional on the revision read unless If-Match names another, so a concurrent write
   * is never silently merged over.
   */
  private void patch(Context ctx, ResourceKind kind, String name) throws PolicyRejection {
    String type = MediaTypes.of(ctx);
    if (!type.equals(MediaTypes.MERGE_PATCH) && !type.equals(MediaTypes.JSON)) {
      throw new PolicyRejection(
          PolicyRejection.Reason.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type",
          "Content-Type must be application/merge-patch+json, not "
              + (type.isEmpty() ? "absent" : type));
    }
    com.fasterxml.jackson.databind.JsonNode patch = JsonCodec.strictTree(RequestBodies.text(ctx));
    StoredResource current =
        kind == ResourceKind.DEFAULTS ? editor.defaults() : editor.get(kind, name);
    Precondition precondition = precondition(ctx);
    if (precondition.equals(Precondition.any())) {
      precondition =
          current.revision() == 0
              ? Precondition.absent()
              : Precondition.revision(current.revision());
    }
    com.fasterxml.jackson.databind.JsonNode merged =
        JsonMergePatch.apply(tree(codec.print(current.body())), patch);
    Message body = codec.parse(merged.toString(), kind.prototype());
    StoredResource stored = editor.put(kind, name, body, precondition);
    if (stored.revision() != current.revision()) {
      metrics.writeAccepted();
    }
    respond(ctx, 200, stored);
  }

  private void whoami(Context ctx) {
    ObjectNode body = mapper.createObjectNode();
    body.put("role", security.tokens().role(ctx.header("Authorization")));
    body.put("version", io.attache.api.BuildVersion.get());
    json(ctx, 200, body);
  }

  private void delete(Context ctx, ResourceKind kind, String name) throws PolicyRejection {
    editor.delete(kind, name, precondition(ctx));
    metrics.writeAccepted();
    ctx.status(204);
  }

  /**
   * A page of proxies, Google-API style ({@code page_size}, {@code page_token} → {@code
   * next_page_token}); each proxy's metadata is cut down to the keys Attaché reads unless {@code
   * full=true}.
   */
  private void listProxies(Context ctx) throws PolicyRejection {
    int pageSize = ProxyPages.pageSize(ctx.queryParam("page_size"));
    Optional<ProxyStatusTracker.Cursor> after = ProxyPages.cursor(ctx.queryParam("page_token"));
    boolean full = ProxyPages.full(ctx.queryParam("full"));
    ProxyStatusTracker.Page page = proxies.page(after, pageSize);
    ArrayNode items = mapper.createArrayNode();
    page.items().forEach(p -> items.add(proxyJson(p, full)));
    ObjectNode body = mapper.createObjectNode();
    body.set("items", items);
    body.put("next_page_token", page.next().map(ProxyPages::token).orElse(""));
    json(ctx, 200, body);
  }

  private void getProxy(Context ctx) throws PolicyRejection {
    String nodeId = ctx.pathParam("nodeId");
    ProxyStatus status = proxies.proxy(nodeId).orElseThrow(() -> notConnected(nodeId));
    json(ctx, 200, proxyJson(status, true));
  }

  private void proxyConfig(Context ctx) throws PolicyRejection {
    String nodeId = ctx.pathParam("nodeId");
    ProxyGroup group =
        proxies.node(nodeId).map(ProxyGroup::of).orElseThrow(() -> notConnected(nodeId));
    Optional<EnvoyResources> resources = publisher.resourcesOf(group);
    ObjectNode body = mapper.createObjectNode();
    body.put("node_id", nodeId);
    body.put("group", group.toString());
    body.set("clusters", array(resources.map(EnvoyResources::clusters).orElse(List.of())));
    body.set("endpoints", array(resources.map(EnvoyResources::endpoints).orElse(List.of())));
    body.set("listeners", array(resources.map(EnvoyResources::listeners).orElse(List.of())));
    body.set("routes", array(resources.map(EnvoyResources::routes).orElse(List.of())));
    json(ctx, 200, body);
  }

  private void listRevisions(Context ctx) {
    ArrayNode items = mapper.createArrayNode();
    for (RevisionInfo revision : editor.revisions()) {
      ObjectNode item = mapper.createObjectNode();
      item.put("revision", revision.revision());
      item.put("created_at", revision.createdAt().toString());
      item.put("summary", revision.summary());
      items.add(item);
    }
    ObjectNode body = mapper.createObjectNode();
    body.set("items", items);
    json(ctx, 200, body);
  }

  private void rollback(Context ctx) throws PolicyRejection {
    long target;
    try {
      target = Long.parseLong(ctx.pathParam("revision"));
    } catch (NumberFormatException e) {
      throw new PolicyRejection(
          PolicyRejection.Reason.INVALID, "revision", "not a revision number");
    }
    long revision = editor.rollback(target);
    metrics.writeAccepted();
    ObjectNode body = mapper.createObjectNode();
    body.put("revision", revision);
    body.put("rolled_back_to", target);
    json(ctx, 201, body);
  }

  private ObjectNode proxyJson(ProxyStatus status, boolean fullMetadata) {
    ObjectNode node = mapper.createObjectNode();
    node.put("node_id", status.nodeId());
    node.put("cluster", status.cluster());
    node.put("user_agent", status.userAgent());
    node.put("version", status.userAgentVersion());
    Struct metadata = fullMetadata ? status.metadata() : ProxyPages.trimmed(status.metadata());
    node.putRawValue("metadata", new RawValue(codec.print(metadata)));
    node.put("metadata_bytes", status.metadata().getSerializedSize());
    node.put("group", status.group());
    status.metadataProblems().forEach(node.withArray("metadata_problems")::add);
    node.put("connected_since", status.connectedSince().toString());
    ObjectNode types = mapper.createObjectNode();
    status
        .types()
        .forEach(
            (typeUrl, type) -> {
              ObjectNode entry = mapper.createObjectNode();
              entry.put("last_sent_version", type.lastSentVersion());
              entry.put("last_sent_nonce", type.lastSentNonce());
              entry.put("last_acked_version", type.lastAckedVersion());
              revision(entry, "sent_revision", type.sentRevision());
              revision(entry, "acked_revision", type.ackedRevision());
              entry.put("verdict", type.verdict().name());
              if (type.lastNack() == null) {
                entry.putNull("last_nack");
              } else {
                ObjectNode nack = mapper.createObjectNode();
                nack.put("version", type.lastNack().version());
                nack.put("nonce", type.lastNack().nonce());
                nack.put("error_detail", type.lastNack().errorDetail());
                nack.put("at", type.lastNack().at().toString());
                entry.set("last_nack", nack);
              }
              types.set(typeUrl, entry);
            });
    node.set("types", types);
    node.put("verdict", status.verdict().name());
    revision(node, "revision", status.revision());
    node.put("identity", status.identity());
    if (status.certificate().issued()) {
      ObjectNode certificate = node.putObject("certificate");
      certificate.put("serial", status.certificate().serialHex());
      certificate.put("not_before", status.certificate().notBefore().toString());
      certificate.put("not_after", status.certificate().notAfter().toString());
    } else {
      node.putNull("certificate");
    }
    return node;
  }

  private static void revision(ObjectNode node, String field, long revision) {
    if (revision == ProxyStatus.UNKNOWN_REVISION) {
      node.putNull(field);
    } else {
      node.put(field, revision);
    }
  }

  /**
   * The proxy-status table: per proxy its verdict, the revision it runs and each type's verdict,
   * and a summary for the head revision ("revision 15: 38 of 40 proxies synced, 2 NACKED").
   */
  private void syncStatus(Context ctx) {
    List<ProxyStatus> all = proxies.proxies();
    long head = publisher.currentPolicy().revision();
    ObjectNode body = mapper.createObjectNode();
    body.put("revision", head);
    java.util.Map<io.attache.controlplane.xds.SyncVerdict, Integer> counts =
        new java.util.EnumMap<>(io.attache.controlplane.xds.SyncVerdict.class);
    java.util.SortedMap<Long, Integer> byRevision = new java.util.TreeMap<>();
    ArrayNode items = mapper.createArrayNode();
    for (ProxyStatus status : all) {
      counts.merge(status.verdict(), 1, Integer::sum);
      byRevision.merge(status.revision(), 1, Integer::sum);
      ObjectNode item = items.addObject();
      item.put("node_id", status.nodeId());
      item.put("cluster", status.cluster());
      item.put("user_agent", status.userAgent());
      item.put("version", status.userAgentVersion());
      item.put("verdict", status.verdict().name());
      revision(item, "revision", status.revision());
      ObjectNode types = item.putObject("types");
      status
          .types()
          .forEach(
              (typeUrl, type) -> {
                ObjectNode t = types.putObject(typeUrl.substring(typeUrl.lastIndexOf('.') + 1));
                t.put("verdict", type.verdict().name());
                revision(t, "acked_revision", type.ackedRevision());
                revision(t, "sent_revision", type.sentRevision());
                if (type.verdict() == io.attache.controlplane.xds.SyncVerdict.NACKED) {
                  t.put("error", type.lastNack().errorDetail());
                }
              });
    }
    ObjectNode summary = body.putObject("summary");
    summary.put("proxies", all.size());
    for (io.attache.controlplane.xds.SyncVerdict verdict :
        io.attache.controlplane.xds.SyncVerdict.values()) {
      summary.put(
          verdict.name().toLowerCase(java.util.Locale.ROOT), counts.getOrDefault(verdict, 0));
    }
    StringBuilder text =
        new StringBuilder("revision ")
            .append(head)
            .append(": ")
            .append(counts.getOrDefault(io.attache.controlplane.xds.SyncVerdict.SYNCED, 0))
            .append(" of ")
            .append(all.size())
            .append(all.size() == 1 ? " proxy" : " proxies")
            .append(" synced");
    counts.forEach(
        (verdict, count) -> {
          if (verdict != io.attache.controlplane.xds.SyncVerdict.SYNCED) {
            text.append(", ").append(count).append(' ').append(verdict.name());
          }
        });
    summary.put("text", text.toString());
    ObjectNode revisions = body.putObject("proxies_by_revision");
    byRevision.forEach(
        (revision, count) ->
            revisions.put(
                revision == ProxyStatus.UNKNOWN_REVISION ? "unknown" : revision.toString(), count));
    body.set("items", items);
    json(ctx, 200, body);
  }

  private ArrayNode array(List<? extends Message> resources) {
    ArrayNode items = mapper.createArrayNode();
    resources.forEach(r -> items.add(tree(codec.print(r))));
    return items;
  }

  private void respond(Context ctx, int status, StoredResource resource) {
    ctx.header("ETag", etag(resource.revision()));
    ctx.status(status).contentType(JSON).result(codec.print(resource.body()));
  }

  private boolean hasCurrent(ResourceKind kind, String name) {
    try {
      editor.get(kind, name);
      return true;
    } catch (PolicyRejection e) {
      return false;
    }
  }

  private static ResourceKind rawKind(Context ctx) throws PolicyRejection {
    ResourceKind kind = RAW_KINDS.get(ctx.pathParam("type"));
    if (kind == null) {
      throw new PolicyRejection(
          PolicyRejection.Reason.NOT_FOUND,
          "type",
          "raw resource type must be one of clusters, endpoints, routes, listeners");
    }
    return kind;
  }

  /** The body as JSON text: JSON as sent, YAML converted (one document). */
  private String bodyAsJson(Context ctx) throws PolicyRejection {
    if (MediaTypes.bodyIsJson(ctx, true)) {
      return RequestBodies.text(ctx);
    }
    try {
      com.fasterxml.jackson.databind.JsonNode node = yaml.readTree(RequestBodies.text(ctx));
      return node == null ? "{}" : mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new PolicyRejection(
          PolicyRejection.Reason.INVALID, "", "not YAML: " + e.getOriginalMessage());
    }
  }

  /** If-None-Match: * → create only; If-Match: "n" → must be at n; If-Match: * → must exist. */
  private static Precondition precondition(Context ctx) throws PolicyRejection {
    String ifNoneMatch = ctx.header("If-None-Match");
    if (ifNoneMatch != null && ifNoneMatch.trim().equals("*")) {
      return Precondition.absent();
    }
    String ifMatch = ctx.header("If-Match");
    if (ifMatch == null) {
      return Precondition.any();
    }
    String tag = ifMatch.trim();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    tag = tag.replace("\"", "");
    try {
      return Precondition.revision(Long.parseLong(tag));
    } catch (NumberFormatException e) {
      throw new PolicyRejection(
          PolicyRejection.Reason.INVALID,
          "If-Match",
          "ETag must be a quoted revision number like \"3\"");
    }
  }

  private void reject(PolicyRejection rejection, Context ctx) {
    int status;
    String error;
    switch (rejection.reason()) {
      case NOT_FOUND -> {
        status = 404;
        error = "not_found";
      }
      case CONFLICT -> {
        status = 409;
        error = "conflict";
      }
      case PRECONDITION_FAILED -> {
        status = 412;
        error = "precondition_failed";
      }
      case UNSUPPORTED_MEDIA_TYPE -> {
        status = 415;
        error = "unsupported_media_type";
      }
      case CONTENT_TOO_LARGE -> {
        status = 413;
        error = "content_too_large";
      }
      case UNAVAILABLE -> {
        status = 503;
        error = "unavailable";
        ctx.header("Retry-After", "1");
      }
      default -> {
        status = 400;
        error = "invalid_argument";
      }
    }
    if (!ctx.method().name().equals("GET")) {
      metrics.writeRejected();
    }
    error(ctx, status, error, rejection.field(), rejection.getMessage());
    ObjectNode body = (ObjectNode) tree(ctx.result());
    if (rejection.line() > 0) {
      body.put("line", rejection.line());
    }
    if (!rejection.others().isEmpty()) {
      ArrayNode others = body.putArray("errors");
      ObjectNode first = others.addObject();
      first.put("field", rejection.field());
      first.put("message", rejection.getMessage());
      rejection
          .others()
          .forEach(v -> others.addObject().put("field", v.field()).put("message", v.message()));
    }
    json(ctx, status, body);
  }

  /**
   * The store could not be read or written (a shared store's database is down or unreachable).
   * Every store commit is one transaction, so nothing of a write that got this was stored — unless
   * the connection broke during COMMIT itself, which PostgreSQL cannot tell the client about; a
   * client that must know re-reads with GET before retrying (If-Match makes the retry safe).
   */
  private void storeUnavailable(StoreException e, Context ctx) {
    boolean write = !ctx.method().name().equals("GET");
    if (write) {
      metrics.writeRejected();
    }
    ctx.header("Retry-After", "5");
    error(
        ctx,
        503,
        "unavailable",
        "",
        "the policy store cannot be reached ("
            + e.getMessage()
            + ")"
            + (write ? "; nothing was written, retry later" : "; retry later"));
  }

  /** What {@code /readyz} answers: 200 with status ready, or 503 with why not. */
  public record Readiness(boolean ready, String status, String message) {
    public static final Readiness READY = new Readiness(true, "ready", "");

    public static Readiness notReady(String status, String message) {
      return new Readiness(false, status, message);
    }
  }

  private void error(Context ctx, int status, String error, String field, String message) {
    ctx.attribute(OWN_ERROR, Boolean.TRUE);
    ObjectNode body = mapper.createObjectNode();
    body.put("error", error);
    body.put("field", field);
    body.put("message", message);
    json(ctx, status, body);
  }

  private void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType(JSON).result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private com.fasterxml.jackson.databind.JsonNode tree(String json) {
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String messageOf(int status) {
    String text = org.eclipse.jetty.http.HttpStatus.getMessage(status);
    return text == null ? "HTTP " + status : text;
  }

  private static String etag(long revision) {
    return "\"" + revision + "\"";
  }

  private PolicyRejection notConnected(String nodeId) {
    return new PolicyRejection(
        PolicyRejection.Reason.NOT_FOUND, "", "no connected proxy with node id '" + nodeId + "'");
  }

  private static String resource(String path) {
    try (InputStream in = AdminApi.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
