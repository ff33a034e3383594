package io.attache.dataplane.iptables;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which iptables a namespace is programmed with. The kernel keeps legacy (x_tables) and nf_tables
 * rules apart, so rules written with the wrong one are silently bypassed or fight the ones Docker
 * or kube-proxy installed; like Istio, Attaché writes with the variant that already holds rules.
 * Immutable.
 */
public record IptablesFlavor(String name, String saveCommand, String restoreCommand) {

  public static final IptablesFlavor NFT =
      new IptablesFlavor("nft", "iptables-nft-save", "iptables-nft-restore");
  public static final IptablesFlavor LEGACY =
      new IptablesFlavor("legacy", "iptables-legacy-save", "iptables-legacy-restore");

  /** Where only the plain commands exist (no -nft/-legacy names): whatever they are. */
  public static final IptablesFlavor PLAIN =
      new IptablesFlavor("default", "iptables-save", "iptables-restore");

  /** Directories searched for the commands besides PATH: they live in sbin, often not on PATH. */
  private static final List<String> SBIN = List.of("/usr/sbin", "/sbin", "/usr/local/sbin");

  public static Optional<IptablesFlavor> named(String mode) {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "nft" -> Optional.of(NFT);
      case "legacy" -> Optional.of(LEGACY);
      default -> Optional.empty();
    };
  }

  /** The variants whose commands are installed, nft first. */
  public static List<IptablesFlavor> installed() {
    List<IptablesFlavor> found = new ArrayList<>();
    for (IptablesFlavor flavor : List.of(NFT, LEGACY)) {
      if (locate(flavor.saveCommand()).isPresent() && locate(flavor.restoreCommand()).isPresent()) {
        found.add(flavor);
      }
    }
    if (found.isEmpty() && locate(PLAIN.restoreCommand()).isPresent()) {
      found.add(PLAIN);
    }
    return found;
  }

  /** The full path of a command, searched on PATH and in the sbin directories. */
  public static Optional<Path> locate(String command) {
    Set<String> dirs = new LinkedHashSet<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
    }
    dirs.addAll(SBIN);
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  List<String> save() {
    return save("nat");
  }

  List<String> save(String table) {
    return List.of(command(saveCommand), "-t", table);
  }

  List<String> saveAllTables() {
    return List.of(command(saveCommand));
  }

  List<String> restore() {
    return List.of(command(restoreCommand), "--noflush");
  }

  private static String command(String name) {
    return locate(name).map(Path::toString).orElse(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
