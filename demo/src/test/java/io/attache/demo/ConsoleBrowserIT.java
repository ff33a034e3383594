package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The web console end to end, in a real headless Chromium (Debian's package, driven by
 * playwright-core): {@code ./attache up --port-base auto} runs the demo mesh as a user would; the
 * browser signs in with the admin token the demo printed, sees the four proxies SYNCED, is refused
 * a broken line at its field, dry-runs and applies a one-line change, watches the revision land and
 * the proxies sync, rolls back, and checks that the read-only token sees no write action. The
 * screenshots land in target/console-screenshots ({@code -Dattache.screenshots=../docs/images}
 * refreshes the walkthrough's). Needs node and npm; installs Chromium and the pinned npm packages
 * itself (control-plane/src/test/browser/install.sh) and never skips. On a fresh machine it first
 * installs Chromium (apt) and the npm packages, then starts the whole demo mesh: more than the
 * suite's default 5 minutes an IT may take.
 */
@org.junit.jupiter.api.Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
class ConsoleBrowserIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path BROWSER = ROOT.resolve("control-plane/src/test/browser");
  private static final Pattern CONSOLE =
      Pattern.compile(
          "web console\\s+(http://127\\.0\\.0\\.1:\\d+)/ui/\\s+admin token (\\S+)\\s+read-only token (\\S+)");

  @Test
  void aNewUserSignsInSeesTheProxiesSyncedAppliesAChangeAndRollsItBack() throws Exception {
    String installed = run(List.of("bash", BROWSER.resolve("install.sh").toString()), 10).strip();
    String chromium = installed.substring(installed.lastIndexOf('\n') + 1);
    Path screenshots =
        ROOT.resolve(System.getProperty("attache.screenshots", "demo/target/console-screenshots"));

    Process demo =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar",
                    ROOT.resolve("demo/target/attache-demo.jar").toString(),
                    "--root",
                    ROOT.toString(),
                    "--proxy-jar",
                    ROOT.resolve("data-plane/target/attache-proxy.jar").toString(),
                    "--control-plane-jar",
                    ROOT.resolve("control-plane/target/attache-control-plane.jar").toString(),
                    "--proxy-java-opts",
                    "-XX:+UseSerialGC -Xmx96m -XX:TieredStopAtLevel=1",
                    "--requests",
                    "10",
                    "--port-base",
                    "auto"))
            .redirectErrorStream(true)
            .start();
    StringBuilder report = new StringBuilder();
    CompletableFuture<Matcher> running = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              Matcher console = null;
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  synchronized (report) {
                    report.append(line).append('\n');
                  }
                  Matcher m = CONSOLE.matcher(line);
                  if (m.find()) {
                    console = m;
                  }
                  if (line.startsWith("Running.") && console != null) {
                    running.complete(console);
                  }
                }
              } catch (IOException e) {
                running.completeExceptionally(e);
              }
              running.completeExceptionally(new IllegalStateException("the demo exited"));
            },
            "demo-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Matcher console = running.get(5, TimeUnit.MINUTES);
      String output =
          run(
              List.of("node", BROWSER.resolve("console.mjs").toString()),
              5,
              "CONSOLE_URL",
              console.group(1),
              "ADMIN_TOKEN",
              console.group(2),
              "READ_ONLY_TOKEN",
              console.group(3),
              "PROXIES",
              "4",
              "SCREENSHOTS",
              screenshots.toString(),
              "CHROMIUM",
              chromium);
      System.out.println(output);
      assertThat(output)
          .contains("console: proxies: revision 5: 4 of 4 proxies synced")
          .contains("console: Applied as revision 6: 1 configured")
          .contains("console: after apply: revision 6: 4 of 4 proxies synced")
          .contains("console: Rolled back to revision 5 as revision 7")
          .contains("console: after rollback: revision 7: 4 of 4 proxies synced")
          .contains("console: a read-only token sees no write action")
          .contains("console: all steps passed");
      assertThat(screenshots.resolve("console-3-proxies-synced.png")).exists();
    } finally {
      demo.destroy();
      if (!demo.waitFor(60, TimeUnit.SECONDS)) {
        demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      synchronized (report) {
        System.out.println(report);
      }
    }
  }

  /** Runs a command to its end (bounded); its output, or an assertion error with it. */
  private static String run(List<String> command, int minutes, String... environment)
      throws Exception {
    Path log = Files.createTempFile("attache-console", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(BROWSER.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    for (int i = 0; i < environment.length; i += 2) {
      builder.environment().put(environment[i], environment[i + 1]);
    }
    Process process = builder.start();
    boolean done = process.waitFor(minutes, TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log);
    assertThat(done && process.exitValue() == 0).as("%s:%n%s", command, output).isTrue();
    return output;
  }
}
