package io.attache.bench.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The start of an Attaché contestant's command line from its {@code --attache label=...} value: the
 * java binary and the JVM flags. The value's first word names the binary when it is a path ending
 * in {@code /java} (e.g. {@code /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * -XX:+UseCompactObjectHeaders}), so JDKs are compared in one run; otherwise the harness's own java
 * runs it. Never reads the environment or the file system: the caller checks the binary exists.
 */
record JvmCommand(String java, List<String> flags) {

  JvmCommand {
    flags = List.copyOf(flags);
  }

  static JvmCommand of(String value, String harnessJava) {
    List<String> words = splitFlags(value);
    if (!words.isEmpty() && words.get(0).endsWith("/java")) {
      return new JvmCommand(words.get(0), words.subList(1, words.size()));
    }
    return new JvmCommand(harnessJava, words);
  }

  /** The binary, then the flags. */
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
