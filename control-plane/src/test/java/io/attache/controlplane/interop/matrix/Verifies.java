package io.attache.controlplane.interop.matrix;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test whose outcome is the matrix cell of {@link #value()} for its class's {@link
 * InteropSubject#column()}. The class must be extended with {@link InteropResults}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Verifies {
  InteropFeature value();
}
