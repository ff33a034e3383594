package io.attache.testing.netns;

import io.attache.netns.NetworkNamespace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Python tools the interception tests run inside network namespaces, beside this class: {@code
 * tcp_probe.py} (answers with its label and the original destination), {@code echo_server.py} (an
 * HTTP server echoing the request) and {@code http_call.py} (an HTTP client any uid can run).
 * Test-only; {@code ./attache up} never ships them.
 */
public final class NetnsScripts {

  private NetnsScripts() {}

  /** One of the scripts as a world-readable file, runnable with {@link NetworkNamespace#python}. */
  public static Path path(String name) throws IOException {
    return NetworkNamespace.script(NetnsScripts.class, name);
  }

  /**
   * Starts the TCP probe on {@code address:port} in {@code namespace}, answering with {@code label}
   * and the original destination, and returns once it listens.
   */
  public static Process startProbe(
      NetworkNamespace namespace, String address, int port, String label) throws IOException {
    return namespace.startListening(
        NetworkNamespace.python(),
        path("tcp_probe.py").toString(),
        "serve",
        address,
        Integer.toString(port),
        label,
        "--max-seconds",
        "600");
  }

  /**
   * Calls the probe at {@code host:port} from {@code namespace}, as {@code uid} when given: the
   * server's answer line, or {@code ERROR ...}.
   */
  public static String callProbe(NetworkNamespace namespace, String host, int port, Long uid)
      throws IOException {
    List<String> command = new ArrayList<>();
    if (uid != null) {
      command.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    command.addAll(
        List.of(
            NetworkNamespace.python(),
            path("tcp_probe.py").toString(),
            "call",
            host,
            Integer.toString(port)));
    return NetworkNamespace.runAllowingFailure(namespace.inNamespace(command)).stdout().strip();
  }
}
