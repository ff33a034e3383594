package io.attache.testing.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvoyLocatorTest {

  @TempDir Path dir;

  private final Map<String, String> properties = new HashMap<>();
  private final Map<String, String> env = new HashMap<>();
  private boolean docker;

  private EnvoyLocator.Result locate() {
    return new EnvoyLocator(properties::get, env, () -> docker).locate();
  }

  @Test
  void saysWhereItLookedWhenNothingIsFound() {
    env.put("PATH", dir.toString());

    EnvoyLocator.Result result = locate();

    assertThat(result.envoy()).isEmpty();
    assertThat(result.searched())
        .containsExactly(
            "-Dattache.envoy.binary: not set",
            "ATTACHE_ENVOY_BINARY: not set",
            "interop/envoy/install.sh: -Dattache.envoy.installed not set (not a Maven run)",
            "PATH: no envoy",
            "Testcontainers: no Docker engine is reachable for envoyproxy/envoy:v1.40.0");
  }

  @Test
  void aBinaryNamedExplicitlyThatDoesNotExistEndsTheSearch() {
    properties.put(EnvoyLocator.BINARY_PROPERTY, dir.resolve("nowhere/envoy").toString());
    docker = true;

    EnvoyLocator.Result result = locate();

    assertThat(result.envoy()).as("no fallback past a binary the developer named").isEmpty();
    assertThat(result.searched())
        .containsExactly(
            "-Dattache.envoy.binary: " + dir.resolve("nowhere/envoy") + " does not exist");
  }

  @Test
  void theEnvironmentVariableIsConsultedWhenThePropertyIsNotSet() throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("envoy"), "");
    env.put(EnvoyLocator.BINARY_ENV, notExecutable.toString());

    EnvoyLocator.Result result = locate();

    assertThat(result.searched())
        .containsExactly(
            "-Dattache.envoy.binary: not set",
            "ATTACHE_ENVOY_BINARY: " + notExecutable + " is not executable");
  }

  @Test
  void aMissingInstallRecordIsReportedAndTheSearchGoesOn() {
    properties.put(EnvoyLocator.INSTALLED_PROPERTY, dir.resolve("envoy-binary.path").toString());
    env.put("PATH", "");

    assertThat(locate().searched())
        .contains(
            "interop/envoy/install.sh: "
                + dir.resolve("envoy-binary.path")
                + " does not exist (the install-envoy step did not run)",
            "PATH: no envoy");
  }

  @Test
  void anExecutableOnPathThatIsNotEnvoyIsRejectedWithWhatItSaid() throws Exception {
    Path impostor = dir.resolve("envoy");
    Files.writeString(impostor, "#!/bin/sh\necho 'not envoy at all'\n");
    Files.setPosixFilePermissions(impostor, PosixFilePermissions.fromString("rwxr-xr-x"));
    env.put("PATH", dir.toString());

    EnvoyLocator.Result result = locate();

    assertThat(result.envoy()).isEmpty();
    assertThat(result.searched())
        .contains("PATH: " + impostor + " --version exited 0 saying 'not envoy at all'");
  }

  @Test
  void fallsBackToThePinnedImageWhereADockerEngineRuns() {
    env.put("PATH", "");
    docker = true;

    EnvoyLocator.Result result = locate();

    assertThat(result.envoy()).isPresent();
    assertThat(result.envoy().get().version()).isEqualTo(EnvoyLocator.PINNED_VERSION);
    assertThat(result.envoy().get().origin())
        .isEqualTo("Testcontainers image envoyproxy/envoy:v" + EnvoyLocator.PINNED_VERSION);
  }
}
