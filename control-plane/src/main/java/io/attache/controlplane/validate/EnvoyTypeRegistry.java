package io.attache.controlplane.validate;

import com.google.protobuf.Descriptors;
import com.google.protobuf.TypeRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Every message type of Envoy's API jar, for resolving {@code Any} (typed_config) in JSON and in
 * validation. Built once by reading the jar's generated file classes ({@code *Proto}); loads no
 * message classes, only descriptors. Never consulted for anything but type lookup.
 */
public final class EnvoyTypeRegistry {

  private static volatile TypeRegistry registry;

  private EnvoyTypeRegistry() {}

  public static TypeRegistry get() {
    TypeRegistry current = registry;
    if (current == null) {
      synchronized (EnvoyTypeRegistry.class) {
        current = registry;
        if (current == null) {
          current = build();
          registry = current;
        }
      }
    }
    return current;
  }

  private static TypeRegistry build() {
    TypeRegistry.Builder builder = TypeRegistry.newBuilder();
    ClassLoader loader = EnvoyTypeRegistry.class.getClassLoader();
    try (JarFile jar = new JarFile(jarOf(Cluster.class).toFile())) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!name.endsWith("Proto.class") || name.contains("$")) {
          continue;
        }
        String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        try {
          Object file =
              Class.forName(className, true, loader).getMethod("getDescriptor").invoke(null);
          if (file instanceof Descriptors.FileDescriptor descriptor) {
            descriptor.getMessageTypes().forEach(builder::add);
          }
        } catch (ReflectiveOperationException | LinkageError e) {
          // Not a generated file class (or one for an API we do not ship); nothing to register.
        }
      }
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("cannot read Envoy's API jar", e);
    }
    return builder.build();
  }

  private static Path jarOf(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
