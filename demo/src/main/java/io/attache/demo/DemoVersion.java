package io.attache.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version Maven filtered into {@code demo-build.properties}: what {@code up --version} says.
 */
final class DemoVersion {

  private DemoVersion() {}

  static String get() {
    try (InputStream in = DemoVersion.class.getResourceAsStream("demo-build.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
