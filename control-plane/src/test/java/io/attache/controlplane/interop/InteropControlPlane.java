package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.Scheduler;
import io.attache.controlplane.xds.SystemScheduler;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The real control plane, started in-process on ephemeral ports with its own data directory, and
 * configured only through its REST API (the way an operator would). Interop tests talk to it as an
 * outsider: they must never reach into its internals to change policy. Public for the differential
 * harness ({@code io.attache.controlplane.differential}), which drives it the same way.
 */
public final class InteropControlPlane implements AutoCloseable {

  private final SystemScheduler scheduler = new SystemScheduler();
  private final ControlPlane controlPlane;
  private final RestClient rest;

  private InteropControlPlane(String host, int xdsPort, Path dataDir) throws IOException {
    this(host, xdsPort, dataDir, ControlPlaneConfig.Security.DEFAULT);
  }

  private InteropControlPlane(
      String host, int xdsPort, Path dataDir, ControlPlaneConfig.Security security)
      throws IOException {
    this(host, xdsPort, dataDir, security, UnaryOperator.identity());
  }

  private InteropControlPlane(
      String host,
      int xdsPort,
      Path dataDir,
      ControlPlaneConfig.Security security,
      UnaryOperator<Scheduler> aroundScheduler)
      throws IOException {
    this.controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                    host,
                    xdsPort,
                    "127.0.0.1",
                    0,
                    dataDir,
                    Duration.ofMillis(20),
                    Duration.ofMillis(200))
                .withSecurity(security),
            aroundScheduler.apply(scheduler),
            Clock.systemUTC());
    this.rest = new RestClient(controlPlane.httpPort());
  }

  /** xDS on 127.0.0.1 only: every client of the test runs on this machine. */
  public static InteropControlPlane start(Path dataDir) throws IOException {
    return new InteropControlPlane("127.0.0.1", 0, dataDir);
  }

  /**
   * As {@link #start(Path)}, with workload certificates that live {@code workloadCertTtl} (renewed
   * at half of it), so a test sees certificates rotate under traffic.
   */
  static InteropControlPlane startWithWorkloadCertTtl(Path dataDir, Duration workloadCertTtl)
      throws IOException {
    ControlPlaneConfig.Security defaults = ControlPlaneConfig.Security.DEFAULT;
    return new InteropControlPlane(
        "127.0.0.1",
        0,
        dataDir,
        new ControlPlaneConfig.Security(
            defaults.trustDomain(),
            defaults.operatorCa(),
            workloadCertTtl,
            defaults.xdsTls(),
            defaults.xdsServerNames()));
  }

  /**
   * As {@link #start(Path)}, with the control plane's timers going through {@code aroundScheduler}
   * (given the real scheduler), so a test can hold and fire some of them (a key rotation).
   */
  static InteropControlPlane startWithScheduler(
      Path dataDir, UnaryOperator<Scheduler> aroundScheduler) throws IOException {
    return new InteropControlPlane(
        "127.0.0.1", 0, dataDir, ControlPlaneConfig.Security.DEFAULT, aroundScheduler);
  }

  /**
   * xDS on a given port of 127.0.0.1: a control plane restarted on the port and data directory of
   * one that was stopped, as its proxies would find it again.
   */
  public static InteropControlPlane startOn(int xdsPort, Path dataDir) throws IOException {
    return new InteropControlPlane("127.0.0.1", xdsPort, dataDir);
  }

  /** xDS on every interface, for clients in a container that reach the host by its address. */
  public static InteropControlPlane startOnAllInterfaces(Path dataDir) throws IOException {
    return new InteropControlPlane("0.0.0.0", 0, dataDir);
  }

  public int xdsPort() {
    return controlPlane.xdsPort();
  }

  public int httpPort() {
    return controlPlane.httpPort();
  }

  /** PUT a policy or raw resource; a refusal fails the test with the API's error body. */
  public void put(String path, String json) {
    HttpResponse<String> response = rest.put(path, json);
    assertThat(response.statusCode()).as("PUT %s -> %s", path, response.body()).isIn(200, 201);
  }

  public void delete(String path) {
    HttpResponse<String> response = rest.delete(path);
    assertThat(response.statusCode()).as("DELETE %s -> %s", path, response.body()).isEqualTo(204);
  }

  /**
   * Issues a bootstrap token for {@code spiffe://attache.local/ns/<namespace>/sa/<account>} through
   * REST, as an operator would; returns the token itself.
   */
  String issueBootstrapToken(String namespace, String serviceAccount) {
    String path = "/api/v1/identities/" + namespace + "/" + serviceAccount + "/tokens";
    HttpResponse<String> response = rest.post(path);
    assertThat(response.statusCode()).as("POST %s -> %s", path, response.body()).isEqualTo(201);
    return RestClient.json(response).get("token").asText();
  }

  /** The status the API reports for one connected node, or null while it is not connected. */
  public JsonNode proxy(String nodeId) {
    HttpResponse<String> response = rest.get("/api/v1/proxies/" + nodeId);
    return response.statusCode() == 200 ? RestClient.json(response) : null;
  }

  /** NACKs received from every proxy since the control plane started. */
  public long nacks() {
    return controlPlane.proxies().nackCount();
  }

  @Override
  public void close() {
    controlPlane.close();
    scheduler.close();
  }
}
