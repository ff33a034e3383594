package io.attache.dataplane.cli;

import io.attache.dataplane.tls.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The files an example bootstrap names relative to its sandbox that the sandbox itself creates at
 * start-up — today the certificates: Envoy's quick-start and the {@code double-proxy} and {@code
 * tls-sni} sandboxes run {@code openssl} before Envoy starts and write {@code certs/...}. For the
 * census this mints the same shapes in a throw-away directory: one CA per bootstrap, a leaf with
 * its key for every {@code certificate_chain}/{@code private_key} pair, the CA for every {@code
 * trusted_ca}. It never writes outside that directory, never generates what it cannot make honestly
 * (an OCSP response, a CRL, a session ticket key: those stay missing and are reported), and never
 * touches a file that uses an absolute path.
 */
final class CensusSandbox {
  /**
   * What was made for one bootstrap, relative to its sandbox, and what could not be made; {@code
   * ca} is the CA every generated {@code trusted_ca} holds and every generated leaf is signed by,
   * so a client or upstream certificate the file's validation contexts accept can be minted.
   */
  record Prepared(List<String> generated, List<String> missing, TestPki.Ca ca) {
    boolean isEmpty() {
      return generated.isEmpty() && missing.isEmpty();
    }
  }

  private final Path directory;
  private final TestPki.Ca ca = TestPki.newCa("census sandbox CA");
  private final Map<String, TestPki.Issued> leaves = new HashMap<>();
  private final TreeSet<String> generated = new TreeSet<>();
  private final TreeSet<String> missing = new TreeSet<>();

  private CensusSandbox(Path directory) {
    this.directory = directory;
  }

  /**
   * Writes into {@code directory} (the bootstrap's working directory) every relative file {@code
   * bootstrapText} names that a sandbox would generate, and lists the relative files it could not.
   */
  static Prepared prepare(String bootstrapText, Path directory) throws IOException {
    CensusSandbox sandbox = new CensusSandbox(directory);
    Object document;
    try {
      document = new Yaml(new LoaderOptions()).load(bootstrapText);
    } catch (RuntimeException notYaml) {
      return new Prepared(List.of(), List.of(), sandbox.ca);
    }
    sandbox.walk(document);
    sandbox.missing.removeAll(sandbox.generated);
    return new Prepared(
        new ArrayList<>(sandbox.generated), new ArrayList<>(sandbox.missing), sandbox.ca);
  }

  private void walk(Object node) throws IOException {
    if (node instanceof List<?> list) {
      for (Object item : list) {
        walk(item);
      }
      return;
    }
    if (!(node instanceof Map<?, ?> map)) {
      return;
    }
    String chain = relativeFilename(map.get("certificate_chain"));
    String key = relativeFilename(map.get("private_key"));
    if (chain != null && key != null) {
      issueLeaf(chain, key, relativeFilename(map.get("ocsp_staple")));
    }
    String trustedCa = relativeFilename(map.get("trusted_ca"));
    if (trustedCa != null) {
      write(trustedCa, ca.pem());
    }
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if ("filename".equals(entry.getKey()) && isRelative(entry.getValue())) {
        missing.add((String) entry.getValue());
      }
      walk(entry.getValue());
    }
  }

  private void issueLeaf(String chain, String key, String ocspStaple) throws IOException {
    // The same pair may be named twice (a listener and a cluster, several filter chains).
    TestPki.Issued leaf = leaves.get(chain);
    if (leaf == null) {
      String name = Path.of(chain).getFileName().toString().replaceFirst("\\..*$", "");
      leaf = ca.issue(name, List.of(), List.of(name + ".example.com"));
      leaves.put(chain, leaf);
      write(chain, leaf.certPem());
      write(key, leaf.keyPem());
    }
    if (ocspStaple != null) {
      write(ocspStaple, ca.goodOcspResponse(leaf.certificate()));
    }
  }

  private void write(String relative, String content) throws IOException {
    write(relative, content.getBytes(StandardCharsets.US_ASCII));
  }

  private void write(String relative, byte[] content) throws IOException {
    if (generated.contains(relative)) {
      return;
    }
    Path file = directory.resolve(relative).normalize();
    if (!file.startsWith(directory)) {
      missing.add(relative); // "../" out of the sandbox: not ours to write
      return;
    }
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    generated.add(relative);
  }

  private static String relativeFilename(Object dataSource) {
    if (dataSource instanceof Map<?, ?> map && isRelative(map.get("filename"))) {
      return (String) map.get("filename");
    }
    return null;
  }

  private static boolean isRelative(Object filename) {
    return filename instanceof String s && !s.isBlank() && !s.startsWith("/");
  }
}
