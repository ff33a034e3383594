package io.attache.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names what listens on a local TCP port, e.g. {@code java (pid 4242)}, by asking {@code ss} (Linux
 * iproute2). Empty when it cannot tell — another user's process, or no {@code ss} — and then the
 * caller just says the port is in use.
 */
final class PortHolder {

  private static final Pattern USER = Pattern.compile("users:\\(\\(\"([^\"]+)\",pid=(\\d+)");

  private PortHolder() {}

  static Optional<String> describe(int port) {
    try {
      Process ss =
          new ProcessBuilder("ss", "-Hltnp", "sport = :" + port).redirectErrorStream(true).start();
      if (!ss.waitFor(3, TimeUnit.SECONDS)) {
        ss.destroyForcibly();
        return Optional.empty();
      }
      String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher user = USER.matcher(output);
      return user.find()
          ? Optional.of(user.group(1) + " (pid " + user.group(2) + ")")
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
