package io.attache.dataplane.runtime;

/**
 * Where a consumer reads runtime values at the moment they apply (Envoy's {@code Runtime::Loader}
 * {@code snapshot()}): a fixed {@link RuntimeSnapshot}, or a {@link RuntimeLoader} whose admin
 * layer {@code /runtime_modify} changes. Consumers keep this, never a snapshot taken at compile
 * time, so that an override applies to the next request.
 */
@FunctionalInterface
public interface Runtime {
  /** The values that apply now; cheap (one volatile read), callable on the request path. */
  RuntimeSnapshot snapshot();
}
