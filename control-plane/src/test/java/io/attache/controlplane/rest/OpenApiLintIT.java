package io.attache.controlplane.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document is one tools accept: {@code @redocly/cli lint} (pinned in
 * control-plane/src/test/browser/package-lock.json, rules in redocly.yaml there) finds no error,
 * and every operation that needs a token documents 401, every write 403, every body 413 and 415.
 * Needs node and npm; installs the packages itself and never skips.
 */
// On a fresh machine npm ci comes first: longer than the default 5 minutes an IT may take.
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class OpenApiLintIT {

  private static final Path BROWSER = Path.of("src/test/browser").toAbsolutePath();
  private static final Path OPENAPI = Path.of("src/main/resources/openapi.json").toAbsolutePath();
  private static final Set<String> OPEN =
      Set.of(
          "/healthz",
          "/readyz",
          "/api/v1/openapi.json",
          "/api/v1/schema.json",
          "/.well-known/jwks.json");

  @Test
  void redoclyLintsTheDocumentWithoutErrors() throws Exception {
    run(List.of("bash", BROWSER.resolve("install.sh").toString(), "--npm-only"));

    String output =
        run(
            List.of(
                BROWSER.resolve("node_modules/.bin/redocly").toString(),
                "lint",
                "--config",
                BROWSER.resolve("redocly.yaml").toString(),
                OPENAPI.toString()));

    assertThat(output).contains("Your API description is valid");
  }

  @Test
  void everyOperationDocumentsItsErrorResponses() throws Exception {
    JsonNode document = new ObjectMapper().readTree(OPENAPI.toFile());
    List<String> missing = new ArrayList<>();
    document
        .get("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fields()
                    .forEachRemaining(
                        operation -> {
                          String method = operation.getKey();
                          if (method.equals("parameters")) {
                            return;
                          }
                          JsonNode responses = operation.getValue().get("responses");
                          String at = method.toUpperCase() + " " + path.getKey();
                          List<String> wanted = new ArrayList<>(List.of("405"));
                          if (!OPEN.contains(path.getKey())) {
                            wanted.add("401");
                            if (!method.equals("get")) {
                              wanted.add("403");
                            }
                          }
                          if (operation.getValue().has("requestBody")) {
                            wanted.addAll(List.of("413", "415"));
                          }
                          wanted.stream()
                              .filter(code -> !responses.has(code))
                              .forEach(code -> missing.add(at + " lacks " + code));
                          if (!operation.getValue().has("operationId")) {
                            missing.add(at + " lacks an operationId");
                          }
                        }));

    assertThat(missing).isEmpty();
    assertThat(document.at("/servers/0/url").asText()).isEqualTo("{scheme}://{host}:{port}");
  }

  private static String run(List<String> command) throws Exception {
    Path log = Files.createTempFile("attache-redocly", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(BROWSER.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("REDOCLY_TELEMETRY", "off");
    builder.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    Process process = builder.start();
    boolean done = process.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log);
    assertThat(done && process.exitValue() == 0).as("%s:%n%s", command, output).isTrue();
    return output;
  }
}
