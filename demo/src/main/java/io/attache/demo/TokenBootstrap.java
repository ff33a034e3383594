package io.attache.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Puts a workload's bootstrap token into a copy of its committed bootstrap. The files in {@code
 * deploy/examples/up/} are for people to read and carry no secret: each has one commented {@code #
 * initial_metadata: [...]} line saying where the token goes. The copy, in the demo's run directory
 * and readable by its owner only, has that line uncommented with the real token — so the proxy
 * sends {@code authorization: Bearer <token>} on its ADS stream, as Envoy does with {@code
 * grpc_services[].initial_metadata}. Never writes the token anywhere else and never prints it.
 */
final class TokenBootstrap {

  static final String MARKER =
      "# initial_metadata: [{ key: authorization, value: \"Bearer <token>\" }]";

  /** RFC 6750 b64token: safe inside a double-quoted YAML scalar. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

  private TokenBootstrap() {}

  /** {@code bootstrap} with its one marker line replaced by the uncommented line and token. */
  static String withToken(String bootstrap, String token) {
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException("not a bearer token (RFC 6750 b64token)");
    }
    List<String> lines = bootstrap.lines().toList();
    List<String> markers = lines.stream().filter(l -> l.trim().equals(MARKER)).toList();
    if (markers.size() != 1) {
      throw new IllegalArgumentException(
          "the bootstrap must have exactly one line '" + MARKER + "'; it has " + markers.size());
    }
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      if (line.trim().equals(MARKER)) {
        String indent = line.substring(0, line.indexOf('#'));
        line = indent + MARKER.substring(2).replace("<token>", token);
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }

  /**
   * Writes {@code source} with {@code token} to {@code dir}, owner-only, with each of the demo's
   * {@code ports} moved by {@code shift} ({@code --port-base}); returns the copy.
   */
  static Path write(Path source, String token, Path dir, List<Integer> ports, int shift)
      throws IOException {
    Path copy = dir.resolve(source.getFileName());
    Files.deleteIfExists(copy);
    Files.createFile(
        copy, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(copy, shiftPorts(withToken(Files.readString(source), token), ports, shift));
    return copy;
  }

  private static final Pattern NUMBER = Pattern.compile("\\b\\d{4,5}\\b");

  /** Moves every demo port named on a {@code port} line (port_value, attache.*_port) by shift. */
  static String shiftPorts(String bootstrap, List<Integer> ports, int shift) {
    if (shift == 0) {
      return bootstrap;
    }
    StringBuilder out = new StringBuilder();
    for (String line : bootstrap.lines().toList()) {
      String code = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
      if (code.contains("port")) {
        line =
            NUMBER
                    .matcher(code)
                    .replaceAll(
                        m -> {
                          int port = Integer.parseInt(m.group());
                          return Integer.toString(ports.contains(port) ? port + shift : port);
                        })
                + line.substring(code.length());
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }
}
