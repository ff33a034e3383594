package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attache.controlplane.policy.ApplyResult;
import io.attache.controlplane.policy.PolicyEditor;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.policy.ResourceChange;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.store.RevisionInfo;
import io.attache.controlplane.store.StoredResource;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * REST for the declarative surface: apply a set of documents as one revision (with dry run and
 * prune), export the policy as documents, the documents' JSON Schema, and revisions you can read
 * (state, change summary, diff against any other). A client of the {@link PolicyEditor} like every
 * other handler: it never touches the store. Errors are thrown as {@link PolicyRejection} for the
 * admin API's error mapper.
 */
final class DeclarativeApi {

  static final String YAML = "application/yaml";

  private final PolicyEditor editor;
  private final PolicyDocuments documents;
  private final ControlPlaneMetrics metrics;
  private final ObjectMapper mapper = new ObjectMapper();
  private final String schema = PolicySchema.render();

  DeclarativeApi(PolicyEditor editor, JsonCodec codec, ControlPlaneMetrics metrics) {
    this.editor = editor;
    this.documents = new PolicyDocuments(codec);
    this.metrics = metrics;
  }

  PolicyDocuments documents() {
    return documents;
  }

  void routes(Javalin app) {
    app.post("/api/v1/apply", this::apply);
    app.get("/api/v1/export", this::export);
    app.get(
        "/api/v1/schema.json", ctx -> ctx.contentType("application/schema+json").result(schema));
    app.get("/api/v1/revisions/{revision}", this::revision);
    app.get("/api/v1/revisions/{revision}/diff", this::diff);
  }

  /** A dry run stores nothing, so a read-only token may run one (it is how `diff` works). */
  static boolean isDryRun(Context ctx) {
    return ctx.path().equals("/api/v1/apply") && "true".equals(ctx.queryParam("dry_run"));
  }

  private void apply(Context ctx) throws PolicyRejection {
    boolean dryRun = flag(ctx, "dry_run");
    boolean prune = flag(ctx, "prune");
    PolicyDocuments.ParsedSet set =
        documents.read(RequestBodies.text(ctx), MediaTypes.bodyIsJson(ctx, true));
    ApplyResult result;
    try {
      result = editor.apply(set.documents(), prune, dryRun);
    } catch (PolicyRejection rejection) {
      throw set.locate(rejection);
    }
    if (result.committed()) {
      metrics.writeAccepted();
    }
    ObjectNode body = mapper.createObjectNode();
    body.put("dry_run", dryRun);
    body.put("revision", result.revision());
    body.put("base_revision", result.baseRevision());
    body.put("committed", result.committed());
    body.put("summary", result.summary());
    ArrayNode changes = body.putArray("changes");
    StringBuilder diff = new StringBuilder();
    for (ResourceChange change : result.changes()) {
      changes.add(changeJson(change));
      if (change.action() != ResourceChange.Action.UNCHANGED) {
        diff.append(
            textDiff(
                change,
                "revision " + result.baseRevision(),
                dryRun ? "applied (dry run)" : "revision " + result.revision()));
      }
    }
    body.put("diff", diff.toString());
    json(ctx, 200, body);
  }

  private void export(Context ctx) throws PolicyRejection {
    String kindName = ctx.queryParam("kind");
    String name = ctx.queryParam("name");
    ResourceKind only = null;
    if (kindName != null) {
      only = PolicyDocuments.KINDS.get(kindName);
      if (only == null) {
        throw new PolicyRejection(
            PolicyRejection.Reason.INVALID,
            "kind",
            "'"
                + kindName
                + "' is not a kind; one of "
                + String.join(", ", PolicyDocuments.KINDS.keySet()));
      }
    }
    long revision = editorHead();
    List<PolicyDocuments.Entry> entries = new ArrayList<>();
    for (StoredResource resource : sorted(editor.stateAt(revision))) {
      if ((only == null || resource.kind() == only)
          && (name == null || resource.name().equals(name))) {
        entries.add(new PolicyDocuments.Entry(resource.kind(), resource.name(), resource.body()));
      }
    }
    if (only == ResourceKind.DEFAULTS && entries.isEmpty()) {
      // Asked for the defaults by name: show the built-in ones in force, as GET /defaults does.
      StoredResource defaults = editor.defaults();
      entries.add(new PolicyDocuments.Entry(defaults.kind(), defaults.name(), defaults.body()));
    } else if (name != null && entries.isEmpty()) {
      throw new PolicyRejection(
          PolicyRejection.Reason.NOT_FOUND,
          "name",
          (kindName == null ? "nothing" : kindName) + " named '" + name + "'");
    }
    ctx.header("ETag", "\"" + revision + "\"");
    if (wantsJson(ctx)) {
      ObjectNode body = mapper.createObjectNode();
      body.put("revision", revision);
      body.set("items", documents.trees(entries));
      json(ctx, 200, body);
    } else {
      String header =
          "Attaché policy at revision "
              + revision
              + ". Re-apply with: ./attache apply -f FILE (add --prune to delete what is not here)";
      ctx.status(200)
          .contentType(YAML + "; charset=utf-8")
          .result(documents.yaml(entries, kindName == null ? header : ""));
    }
  }

  private void revision(Context ctx) throws PolicyRejection {
    long n = revisionParam(ctx.pathParam("revision"), "revision");
    RevisionInfo info = editor.revision(n);
    ObjectNode body = mapper.createObjectNode();
    body.put("revision", info.revision());
    body.put("created_at", info.createdAt().toString());
    body.put("summary", info.summary());
    ArrayNode changes = body.putArray("changes");
    editor.changesBetween(n - 1, n).forEach(c -> changes.add(changeJson(c)));
    List<PolicyDocuments.Entry> state = new ArrayList<>();
    sorted(editor.stateAt(n))
        .forEach(r -> state.add(new PolicyDocuments.Entry(r.kind(), r.name(), r.body())));
    body.set("documents", documents.trees(state));
    json(ctx, 200, body);
  }

  private void diff(Context ctx) throws PolicyRejection {
    long n = revisionParam(ctx.pathParam("revision"), "revision");
    String against = ctx.queryParam("against");
    long m = against == null ? n - 1 : revisionParam(against, "against");
    editor.revision(n);
    List<ResourceChange> changes = editor.changesBetween(m, n);
    ObjectNode body = mapper.createObjectNode();
    body.put("from", m);
    body.put("to", n);
    ArrayNode list = body.putArray("changes");
    StringBuilder diff = new StringBuilder();
    for (ResourceChange change : changes) {
      list.add(changeJson(change));
      diff.append(textDiff(change, "revision " + m, "revision " + n));
    }
    body.put("diff", diff.toString());
    json(ctx, 200, body);
  }

  private long editorHead() {
    List<RevisionInfo> revisions = editor.revisions();
    return revisions.isEmpty() ? 0 : revisions.get(0).revision();
  }

  private ObjectNode changeJson(ResourceChange change) {
    ObjectNode item = mapper.createObjectNode();
    item.put("kind", PolicyDocuments.kindName(change.kind()));
    item.put("name", change.name());
    item.put("action", change.action().label());
    return item;
  }

  private String textDiff(ResourceChange change, String fromLabel, String toLabel) {
    String id = PolicyDocuments.kindName(change.kind()) + "/" + change.name();
    return UnifiedDiff.of(
        id + " (" + fromLabel + ")",
        id + " (" + toLabel + ")",
        documents.yaml(change.kind(), change.name(), change.before()),
        documents.yaml(change.kind(), change.name(), change.after()));
  }

  private static List<StoredResource> sorted(List<StoredResource> resources) {
    List<StoredResource> copy = new ArrayList<>(resources);
    copy.sort(
        Comparator.comparing((StoredResource r) -> r.kind().ordinal())
            .thenComparing(StoredResource::name));
    return copy;
  }

  private static boolean wantsJson(Context ctx) {
    String format = ctx.queryParam("format");
    if (format != null) {
      return format.equalsIgnoreCase("json");
    }
    String accept = ctx.header("Accept");
    return accept != null
        && accept.toLowerCase(Locale.ROOT).contains("application/json")
        && !accept.toLowerCase(Locale.ROOT).contains("yaml");
  }

  private static boolean flag(Context ctx, String name) throws PolicyRejection {
    String value = ctx.queryParam(name);
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw new PolicyRejection(PolicyRejection.Reason.INVALID, name, "must be true or false");
  }

  private static long revisionParam(String value, String field) throws PolicyRejection {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new PolicyRejection(PolicyRejection.Reason.INVALID, field, "not a revision number");
    }
  }

  private void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
