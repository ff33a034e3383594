package io.attache.controlplane.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attache.controlplane.interop.matrix.InteropColumn;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A proxyless client in another language (interop/grpc-go, interop/grpc-python, interop/grpc-js),
 * run as a child process that speaks one JSON line per command on stdin and one per result on
 * stdout; its stderr goes to a log file quoted on failure. The protocol is the same for every
 * language: a hello line {@code {"client": ..., "version": ...}}, then per command {@code {"id",
 * "target", "method", "headers", "count", "timeout_ms"}} one result {@code {"id", "calls":
 * [{"code", "backend", "details"}]}}. The process is ended by {@link #close()}, by its own handle.
 */
final class LineProtocolClient implements ClientUnderTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PER_CALL = Duration.ofSeconds(10);

  private final InteropColumn column;
  private final String nodeId;
  private final Process process;
  private final Path log;
  private final OutputStream stdin;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final String version;
  private int nextId = 1;

  private LineProtocolClient(
      InteropColumn column, String nodeId, List<String> command, Map<String, String> env, Path dir)
      throws IOException, InterruptedException {
    this.column = column;
    this.nodeId = nodeId;
    this.log = dir.resolve(nodeId + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    builder.environment().putAll(env);
    this.process = builder.start();
    this.stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  stdout.add(line);
                }
              } catch (IOException e) {
                // the process ended; call() reports it with the log
              }
            },
            nodeId + "-stdout");
    reader.setDaemon(true);
    reader.start();
    JsonNode hello = JSON.readTree(next(Duration.ofSeconds(60), "the hello line"));
    this.version =
        hello.get("client").asText()
            + " "
            + hello.get("version").asText()
            + (hello.has("xds_version")
                ? " + " + hello.get("client").asText() + "-xds " + hello.get("xds_version").asText()
                : "");
  }

  /**
   * Starts {@code command} with its bootstrap in {@code GRPC_XDS_BOOTSTRAP} and waits (bounded) for
   * its hello line.
   */
  static LineProtocolClient start(
      InteropColumn column, String nodeId, Path bootstrap, List<String> command, Path dir)
      throws IOException, InterruptedException {
    return new LineProtocolClient(
        column, nodeId, command, Map.of("GRPC_XDS_BOOTSTRAP", bootstrap.toString()), dir);
  }

  @Override
  public InteropColumn column() {
    return column;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<CallOutcome> call(
      String target, String method, Map<String, String> headers, int count) {
    int id = nextId++;
    ObjectNode command = JSON.createObjectNode();
    command.put("id", id).put("target", target).put("method", method).put("count", count);
    command.put("timeout_ms", PER_CALL.toMillis());
    ObjectNode headerNode = command.putObject("headers");
    headers.forEach(headerNode::put);
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      // Each call is bounded by its deadline; the margin covers the process's own pace.
      Duration limit = PER_CALL.multipliedBy(count).plusSeconds(30);
      JsonNode result = JSON.readTree(next(limit, "the result of " + command));
      if (result.path("id").asInt() != id || !result.has("calls")) {
        throw new AssertionError("unexpected answer to " + command + ": " + result + describe());
      }
      List<CallOutcome> outcomes = new ArrayList<>();
      for (JsonNode call : result.get("calls")) {
        outcomes.add(
            new CallOutcome(
                Status.fromCodeValue(call.get("code").asInt()).getCode(),
                call.path("backend").asText(),
                call.path("details").asText()));
      }
      return outcomes;
    } catch (IOException e) {
      throw new UncheckedIOException(describe(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted" + describe(), e);
    }
  }

  private String next(Duration limit, String what) throws InterruptedException {
    String line = stdout.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("no " + what + " within " + limit + describe());
    }
    return line;
  }

  private String describe() {
    String err;
    try {
      err = Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      err = "(log unreadable: " + e + ")";
    }
    return "\n"
        + nodeId
        + (process.isAlive() ? " (running)" : " (exited " + process.exitValue() + ")")
        + ", stderr:\n"
        + err.substring(Math.max(0, err.length() - 4000));
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close(); // the client's cue to close its channels and exit
    } catch (IOException e) {
      // already gone
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
