package io.attache.testing.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test that needs network namespaces only where it can: as root, with {@code ip}, {@code
 * iptables} and {@code python3} present. Elsewhere the test is reported as skipped with the reason
 * — except under {@code CI=true}, where CI runs as root and a missing prerequisite is a failure,
 * never a skip. {@code test-support/netns-tools.sh} (run by the build) installs the tools.
 */
public final class NetnsExtension implements ExecutionCondition {

  private final Map<String, String> env;

  public NetnsExtension() {
    this(System.getenv());
  }

  NetnsExtension(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    List<String> missing = missingPrerequisites();
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("root, ip, iptables and python3 present");
    }
    String why =
        "network-namespace tests need "
            + String.join(", ", missing)
            + " (they create namespaces"
            + " with 'ip netns' and program iptables inside them)";
    if ("true".equalsIgnoreCase(env.getOrDefault("CI", ""))) {
      throw new AssertionError("FAILED under CI=true: " + why);
    }
    System.out.println("SKIPPED " + context.getDisplayName() + ": " + why);
    return ConditionEvaluationResult.disabled(why);
  }

  static List<String> missingPrerequisites() {
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("root (uid 0)");
    }
    for (String tool :
        List.of("ip", "iptables-nft-restore", "iptables-legacy-restore", "python3", "setpriv")) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    return missing;
  }

  static boolean isRoot() {
    try {
      Process id = new ProcessBuilder("id", "-u").start();
      String uid = new String(id.getInputStream().readAllBytes()).strip();
      id.waitFor();
      return uid.equals("0");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static boolean onPath(String tool) {
    List<String> dirs = new ArrayList<>(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
    }
    return dirs.stream().anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
  }
}
