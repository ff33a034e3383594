package io.attache.controlplane.interop;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the interop clients in other languages are, as the build left them: the Maven build
 * (control-plane, pre-integration-test) builds interop/grpc-go, installs the pinned grpcio into a
 * venv outside the source tree and the pinned grpc-js packages, and hands the results to the ITs as
 * system properties. A missing one fails the test that needs it — never a skip, because a skipped
 * interop test proves nothing.
 */
final class InteropPrograms {

  private InteropPrograms() {}

  /** The grpc-go client binary (interop/grpc-go, built with the machine's go). */
  static Path grpcGoClient() {
    return existing("attache.interop.grpcGoClient", "the grpc-go client (go build)");
  }

  /** The python of the grpcio venv (interop/grpc-python/install.sh). */
  static Path grpcPython() throws java.io.IOException {
    Path pointer = existing("attache.interop.grpcPython", "the grpcio venv (install.sh)");
    return existingFile(Path.of(Files.readString(pointer).strip()), "the grpcio venv's python");
  }

  static Path grpcPythonClient() {
    return existingFile(root().resolve("interop/grpc-python/xds_client.py"), "xds_client.py");
  }

  /** interop/grpc-js with its node_modules (npm ci by interop/grpc-js/install.sh). */
  static Path grpcJsClient() {
    existingFile(
        root().resolve("interop/grpc-js/node_modules/@grpc/grpc-js-xds/package.json"),
        "grpc-js-xds in interop/grpc-js/node_modules (npm ci)");
    return root().resolve("interop/grpc-js/xds-client.js");
  }

  /** The repository root: Failsafe runs in the module directory. */
  static Path root() {
    return Path.of("").toAbsolutePath().getParent();
  }

  private static Path existing(String property, String what) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new AssertionError(
          "-D"
              + property
              + " is not set: "
              + what
              + " is provided by the Maven build (mvn verify, control-plane pre-integration-test);"
              + " run the IT through Maven");
    }
    return existingFile(Path.of(value), what);
  }

  private static Path existingFile(Path path, String what) {
    if (!Files.exists(path)) {
      throw new AssertionError(
          what
              + " is missing at "
              + path
              + ": the Maven build provides it in pre-integration-test (see docs/interop.md);"
              + " this test does not skip");
    }
    return path;
  }
}
