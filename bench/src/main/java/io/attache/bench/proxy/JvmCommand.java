package io.attache.bench.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The start of an Attaché contestant's command line from its {@code --attache label=...} value: the
 * java binary, the JVM flags and, optionally, its own proxy jar. The value's first word names the
 * binary when it is a path ending in {@code /java} (e.g. {@code
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -XX:+UseCompactObjectHeaders}), so JDKs are compared
 * in one run; otherwise the harness's own java runs it. {@code -jar <path>} among the words runs
 * that jar instead of the harness's {@code --attache-jar}, so an old build and the current one are
 * compared in one run. Never reads the environment or the file system: the caller checks the binary
 * and the jar exist.
 */
record JvmCommand(String java, List<String> flags, Optional<String> jar) {

  JvmCommand {
    flags = List.copyOf(flags);
  }

  static JvmCommand of(String value, String harnessJava) {
    List<String> words = splitFlags(value);
    String java = harnessJava;
    if (!words.isEmpty() && words.get(0).endsWith("/java")) {
      java = words.get(0);
      words = words.subList(1, words.size());
    }
    List<String> flags = new ArrayList<>();
    Optional<String> jar = Optional.empty();
    for (int i = 0; i < words.size(); i++) {
      if (words.get(i).equals("-jar")) {
        if (i + 1 == words.size()) {
          throw new IllegalArgumentException("-jar without a path in: " + value);
        }
        jar = Optional.of(words.get(++i));
      } else {
        flags.add(words.get(i));
      }
    }
    return new JvmCommand(java, flags, jar);
  }

  /** The binary, then the flags (the jar is the caller's to append, after any flags it adds). */
  List<String> command() {
    List<String> out = new ArrayList<>();
    out.add(java);
    out.addAll(flags);
    return out;
  }

  static List<String> splitFlags(String flags) {
    List<String> out = new ArrayList<>();
    for (String f : flags.trim().split("\\s+")) {
      if (!f.isEmpty()) {
        out.add(f);
      }
    }
    return out;
  }
}
