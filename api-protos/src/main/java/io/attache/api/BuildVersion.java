package io.attache.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build, as Maven wrote it into {@code build.properties}: what every command's
 * {@code --version} prints and what the proxy reports as its xDS {@code user_agent_version}. Never
 * a literal in code, so a release can never print a stale number.
 */
public final class BuildVersion {

  private static final String VERSION = load();

  private BuildVersion() {}

  /** e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("build.properties is missing from the api-protos jar");
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "");
      if (version.isEmpty() || version.startsWith("${")) {
        throw new IllegalStateException("build.properties was not filtered by the build");
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
