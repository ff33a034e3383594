package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code ./attache apply|diff|export|get|describe|status|revisions|revision|rollback}: the
 * operator's CLI, a client of the REST admin API and nothing else (it never opens the store). Exit
 * codes: 0 done, 1 refused by the server (or it could not be reached), 2 wrong usage.
 */
@Command(
    name = "attache",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Manage an Attaché control plane through its REST admin API.",
    subcommands = {
      AttacheCli.Apply.class,
      AttacheCli.Diff.class,
      AttacheCli.Export.class,
      AttacheCli.Get.class,
      AttacheCli.Describe.class,
      AttacheCli.Status.class,
      AttacheCli.Revisions.class,
      AttacheCli.Revision.class,
      AttacheCli.Rollback.class
    })
public final class AttacheCli {

  static final String TOKEN_ENV = "ATTACHE_TOKEN";
  static final String SERVER_ENV = "ATTACHE_SERVER";

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      description =
          "Control plane REST URL (default: $" + SERVER_ENV + " or http://127.0.0.1:18080).")
  String server;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      description = "File holding the bearer token (default: $" + TOKEN_ENV + ").")
  Path tokenFile;

  @Option(
      names = "--cacert",
      scope = ScopeType.INHERIT,
      description = "PEM CA certificate to trust for an https:// server.")
  Path caCertificate;

  /** The process environment; a test passes its own. */
  Map<String, String> environment = System.getenv();

  public static void main(String[] args) {
    System.exit(commandLine(new AttacheCli()).execute(args));
  }

  static CommandLine commandLine(AttacheCli cli) {
    CommandLine line = new CommandLine(cli);
    line.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof AdminClient.Refused || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return line;
  }

  AdminClient client() throws IOException {
    String url =
        server != null ? server : environment.getOrDefault(SERVER_ENV, "http://127.0.0.1:18080");
    String token =
        tokenFile != null
            ? Files.readString(tokenFile).strip()
            : environment.getOrDefault(TOKEN_ENV, "").strip();
    return new AdminClient(url, token, caCertificate);
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"attache " + io.attache.api.BuildVersion.get()};
    }
  }

  /** What every subcommand shares: the parent's options and the output streams. */
  abstract static class Sub implements Callable<Integer> {
    @CommandLine.ParentCommand AttacheCli parent;
    @Spec CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    AdminClient client() throws IOException {
      return parent.client();
    }
  }

  /** Reads -f: a file, every *.yaml/*.yml/*.json of a directory (sorted), or - for stdin. */
  static final class Sources {
    final String text;
    final boolean json;
    private final List<String[]> origins = new ArrayList<>(); // {file, firstLine}

    private Sources(String text, boolean json) {
      this.text = text;
      this.json = json;
    }

    static Sources read(String source) throws IOException {
      if (source.equals("-")) {
        String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        Sources sources =
            new Sources(
                text, text.stripLeading().startsWith("[") || text.stripLeading().startsWith("{"));
        sources.origins.add(new String[] {"<stdin>", "1"});
        return sources;
      }
      Path path = Path.of(source);
      if (!Files.exists(path)) {
        throw new IllegalArgumentException(source + ": no such file or directory");
      }
      if (!Files.isDirectory(path)) {
        Sources sources = new Sources(Files.readString(path), source.endsWith(".json"));
        sources.origins.add(new String[] {source, "1"});
        return sources;
      }
      List<Path> files;
      try (Stream<Path> listing = Files.list(path)) {
        files = listing.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException(source + ": no .yaml, .yml or .json files");
      }
      // JSON is YAML: one YAML stream with each file as its own document(s).
      StringBuilder text = new StringBuilder();
      Sources sources = new Sources("", false);
      int line = 1;
      for (Path file : files) {
        String content = Files.readString(file);
        if (!content.endsWith("\n")) {
          content += "\n";
        }
        if (text.length() > 0) {
          text.append("---\n");
          line++;
        }
        sources.origins.add(new String[] {file.toString(), Integer.toString(line)});
        text.append(content);
        line += (int) content.chars().filter(c -> c == '\n').count();
      }
      return new Sources(text.toString(), false).withOrigins(sources.origins);
    }

    private Sources withOrigins(List<String[]> list) {
      origins.addAll(list);
      return this;
    }

    String contentType() {
      return json ? "application/json" : "application/yaml";
    }

    /** "policy/shop.yaml:9" for line 9 of the combined stream. */
    String where(int line) {
      String[] found = origins.get(0);
      for (String[] origin : origins) {
        if (Integer.parseInt(origin[1]) <= line) {
          found = origin;
        }
      }
      return found[0] + ":" + (line - Integer.parseInt(found[1]) + 1);
    }
  }

  static String applyPath(boolean dryRun, boolean prune) {
    return "/api/v1/apply?dry_run=" + dryRun + "&prune=" + prune;
  }

  /** Sends the documents; a refusal names the file and line the server pointed at. */
  static JsonNode send(AdminClient client, Sources sources, boolean dryRun, boolean prune)
      throws AdminClient.Refused {
    try {
      return client.post(applyPath(dryRun, prune), sources.text, sources.contentType()).json();
    } catch (AdminClient.Refused refused) {
      java.util.regex.Matcher line =
          java.util.regex.Pattern.compile("\\(line (\\d+)\\)").matcher(refused.getMessage());
      if (line.find()) {
        throw new AdminClient.Refused(
            line.replaceFirst("(" + sources.where(Integer.parseInt(line.group(1))) + ")"));
      }
      throw refused;
    }
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Apply policy documents as one revision (kubectl apply -f style).")
  static final class Apply extends Sub {
    @Option(
        names = {"-f", "--filename"},
        required = true,
        description = "FILE, DIR or - (stdin).")
    String source;

    @Option(
        names = "--dry-run",
        description = "Validate and show what would change; store nothing.")
    boolean dryRun;

    @Option(
        names = "--prune",
        description = "Delete stored resources the documents do not contain.")
    boolean prune;

    @Override
    public Integer call() throws Exception {
      JsonNode result = send(client(), Sources.read(source), dryRun, prune);
      for (JsonNode change : result.path("changes")) {
        out()
            .printf(
                "%s/%s %s%s%n",
                change.path("kind").asText().toLowerCase(Locale.ROOT),
                change.path("name").asText(),
                change.path("action").asText(),
                dryRun ? " (dry run)" : "");
      }
      if (result.path("committed").asBoolean()) {
        out()
            .printf(
                "revision %d: %s%n",
                result.path("revision").asLong(), result.path("summary").asText());
      } else if (dryRun) {
        out()
            .printf(
                "dry run against revision %d: %s%n",
                result.path("revision").asLong(), result.path("summary").asText());
      } else {
        out().printf("unchanged: revision %d is still current%n", result.path("revision").asLong());
      }
      return 0;
    }
  }

  @Command(
      name = "diff",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Show how applying the documents would change the policy (a dry run).")
  static final class Diff extends Sub {
    @Option(
        names = {"-f", "--filename"},
        required = true,
        description = "FILE, DIR or - (stdin).")
    String source;

    @Option(names = "--prune", description = "Include the deletions --prune would make.")
    boolean prune;

    @Override
    public Integer call() throws Exception {
      JsonNode result = send(client(), Sources.read(source), true, prune);
      out().print(result.path("diff").asText());
      out()
          .printf(
              "%s (against revision %d)%n",
              result.path("summary").asText(), result.path("revision").asLong());
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Print the whole policy as documents that re-apply to the same state.")
  static final class Export extends Sub {
    @Option(
        names = {"-o", "--output"},
        defaultValue = "yaml",
        description = "yaml or json.")
    String output;

    @Override
    public Integer call() throws Exception {
      String format = format(output, "yaml", "json");
      out().print(client().get("/api/v1/export?format=" + format, "*/*").body());
      out().flush();
      return 0;
    }
  }

  static String format(String value, String... allowed) {
    for (String a : allowed) {
      if (a.equals(value)) {
        return value;
      }
    }
    throw new CommandLine.ParameterException(
        new CommandLine(new AttacheCli()),
        "-o must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
  }

  /** A kind as typed on the command line, e.g. {@code services}, {@code svc}, {@code route}. */
  enum Kind {
    SERVICES("Service", "/api/v1/services", "services", "service", "svc"),
    ROUTES("Route", "/api/v1/routes", "routes", "route", "rt"),
    AUTHORIZATIONS(
        "Authorization", "/api/v1/authorizations", "authorizations", "authorization", "authz"),
    DEFAULTS("MeshDefaults", "/api/v1/defaults", "defaults", "meshdefaults"),
    CLUSTERS("EnvoyCluster", "/api/v1/raw/clusters", "clusters", "cluster"),
    ENDPOINTS(
        "EnvoyClusterLoadAssignment",
        "/api/v1/raw/endpoints",
        "endpoints",
        "clusterloadassignments"),
    ROUTE_CONFIGURATIONS(
        "EnvoyRouteConfiguration",
        "/api/v1/raw/routes",
        "routeconfigurations",
        "routeconfiguration"),
    LISTENERS("EnvoyListener", "/api/v1/raw/listeners", "listeners", "listener");

    final String documentKind;
    final String path;
    final List<String> names;

    Kind(String documentKind, String path, String... names) {
      this.documentKind = documentKind;
      this.path = path;
      this.names = List.of(names);
    }

    static Kind parse(String typed) {
      String lower = typed.toLowerCase(Locale.ROOT);
      for (Kind kind : values()) {
        if (kind.names.contains(lower)
            || kind.documentKind.toLowerCase(Locale.ROOT).equals(lower)) {
          return kind;
        }
      }
      List<String> known = new ArrayList<>();
      for (Kind kind : values()) {
        known.add(kind.names.get(0));
      }
      throw new CommandLine.ParameterException(
          new CommandLine(new AttacheCli()),
          "unknown kind '" + typed + "'; one of " + String.join(", ", known));
    }
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "List resources of a kind, or show one (-o yaml|json for documents).")
  static final class Get extends Sub {
    @Parameters(
        index = "0",
        description =
            "services, routes, authorizations, defaults, clusters, endpoints, routeconfigurations, listeners")
    String kind;

    @Parameters(index = "1", arity = "0..1", description = "One resource's name.")
    String name;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "table, yaml or json.")
    String output;

    @Override
    public Integer call() throws Exception {
      Kind k = Kind.parse(kind);
      String format = format(output, "table", "yaml", "json");
      AdminClient client = client();
      if (!format.equals("table") || k == Kind.DEFAULTS) {
        String query =
            "/api/v1/export?kind=" + k.documentKind + (name == null ? "" : "&name=" + enc(name));
        out()
            .print(
                client
                    .get(query + "&format=" + (format.equals("json") ? "json" : "yaml"), "*/*")
                    .body());
        out().flush();
        return 0;
      }
      JsonNode items =
          name == null
              ? client.get(k.path, "application/json").json().path("items")
              : AdminClient.JSON
                  .createArrayNode()
                  .add(client.get(k.path + "/" + enc(name), "application/json").json());
      Table table = Tables.of(k);
      items.forEach(table::add);
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Show one resource, the revision that last wrote it, and the proxies it reaches.")
  static final class Describe extends Sub {
    @Parameters(index = "0", description = "The kind, as for get.")
    String kind;

    @Parameters(index = "1", description = "The resource's name.")
    String name;

    @Override
    public Integer call() throws Exception {
      Kind k = Kind.parse(kind);
      AdminClient client = client();
      AdminClient.Answer resource =
          client.get(k == Kind.DEFAULTS ? k.path : k.path + "/" + enc(name), "application/json");
      long revision = Long.parseLong(resource.etag().isEmpty() ? "0" : resource.etag());
      out()
          .print(
              client
                  .get(
                      "/api/v1/export?kind="
                          + k.documentKind
                          + "&name="
                          + enc(name)
                          + "&format=yaml",
                      "*/*")
                  .body());
      out().println();
      if (revision == 0) {
        out().println("Last written: never (the built-in defaults)");
      } else {
        JsonNode written = client.get("/api/v1/revisions/" + revision, "application/json").json();
        out()
            .printf(
                "Last written: revision %d at %s (%s)%n",
                revision, written.path("created_at").asText(), written.path("summary").asText());
      }
      JsonNode status = client.get("/api/v1/status", "application/json").json();
      if (k == Kind.SERVICES) {
        List<String> proxies = new ArrayList<>();
        for (JsonNode proxy : status.path("items")) {
          if (proxy.path("cluster").asText().equals(name)) {
            proxies.add(
                proxy.path("node_id").asText()
                    + " "
                    + proxy.path("verdict").asText()
                    + " at revision "
                    + proxy.path("revision").asText("?"));
          }
        }
        out().println("Proxies of this service: " + (proxies.isEmpty() ? "none connected" : ""));
        proxies.forEach(p -> out().println("  " + p));
      }
      out().println("Mesh: " + status.path("summary").path("text").asText());
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Every connected proxy: its sync verdict per type and the revision it runs.")
  static final class Status extends Sub {
    @Override
    public Integer call() throws Exception {
      JsonNode status = client().get("/api/v1/status", "application/json").json();
      Table table =
          new Table(
              "NAME",
              "CLUSTER",
              "VERSION",
              "REVISION",
              "STATUS",
              "CDS",
              "LDS",
              "EDS",
              "RDS",
              "SDS");
      List<String> nacks = new ArrayList<>();
      for (JsonNode proxy : status.path("items")) {
        JsonNode types = proxy.path("types");
        table.row(
            proxy.path("node_id").asText(),
            proxy.path("cluster").asText(),
            proxy.path("user_agent").asText() + " " + proxy.path("version").asText(),
            proxy.path("revision").isNull() ? "?" : proxy.path("revision").asText(),
            proxy.path("verdict").asText(),
            verdict(types, "Cluster"),
            verdict(types, "Listener"),
            verdict(types, "ClusterLoadAssignment"),
            verdict(types, "RouteConfiguration"),
            verdict(types, "Secret"));
        types
            .fields()
            .forEachRemaining(
                t -> {
                  if (t.getValue().has("error")) {
                    nacks.add(
                        proxy.path("node_id").asText()
                            + " "
                            + t.getKey()
                            + ": "
                            + t.getValue().path("error").asText());
                  }
                });
      }
      table.print(out());
      out().println(status.path("summary").path("text").asText());
      nacks.forEach(n -> out().println("NACK " + n));
      return 0;
    }

    private static String verdict(JsonNode types, String type) {
      return types.has(type) ? types.path(type).path("verdict").asText() : "-";
    }
  }

  @Command(
      name = "revisions",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Every revision, newest first.")
  static final class Revisions extends Sub {
    @Override
    public Integer call() throws Exception {
      Table table = new Table("REVISION", "CREATED", "SUMMARY");
      for (JsonNode revision :
          client().get("/api/v1/revisions", "application/json").json().path("items")) {
        table.row(
            revision.path("revision").asText(),
            revision.path("created_at").asText(),
            revision.path("summary").asText());
      }
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "revision",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "One revision: what it changed, and with --diff how.")
  static final class Revision extends Sub {
    @Parameters(index = "0", description = "The revision number.")
    long revision;

    @Option(names = "--diff", description = "Print the unified diff of the documents.")
    boolean diff;

    @Option(
        names = "--against",
        description = "Diff against this revision (default: the one before).")
    Long against;

    @Override
    public Integer call() throws Exception {
      AdminClient client = client();
      JsonNode info = client.get("/api/v1/revisions/" + revision, "application/json").json();
      out()
          .printf(
              "revision %d at %s: %s%n",
              revision, info.path("created_at").asText(), info.path("summary").asText());
      String path =
          "/api/v1/revisions/"
              + revision
              + "/diff"
              + (against == null ? "" : "?against=" + against);
      JsonNode changes = client.get(path, "application/json").json();
      for (JsonNode change : changes.path("changes")) {
        out()
            .printf(
                "  %s/%s %s%n",
                change.path("kind").asText().toLowerCase(Locale.ROOT),
                change.path("name").asText(),
                change.path("action").asText());
      }
      if (diff) {
        out().print(changes.path("diff").asText());
      }
      return 0;
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Make the policy what it was at a revision (itself a new revision).")
  static final class Rollback extends Sub {
    @Parameters(index = "0", description = "The revision to return to.")
    long revision;

    @Override
    public Integer call() throws Exception {
      JsonNode result =
          client()
              .post("/api/v1/revisions/" + revision + "/rollback", "", "application/json")
              .json();
      out()
          .printf(
              "revision %d: rolled back to revision %d%n",
              result.path("revision").asLong(), revision);
      return 0;
    }
  }
}
