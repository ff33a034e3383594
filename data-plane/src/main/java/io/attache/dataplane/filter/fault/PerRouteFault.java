package io.attache.dataplane.filter.fault;

import java.util.Objects;
import java.util.Optional;

/**
 * What a route says about the fault filter, resolved from its most specific {@code
 * typed_per_filter_config} entry: nothing (the filter's own config applies), the filter disabled
 * ({@code FilterConfig.disabled}), or an {@code HTTPFault} that replaces the filter's config for
 * the request. Immutable; built once when the route table is compiled.
 */
public final class PerRouteFault {
  /** The three answers a route can give; the fault filter switches over them. */
  public enum Kind {
    /** No usable entry: the filter-level {@code HTTPFault} applies. */
    FILTER_CONFIG,
    /** {@code FilterConfig.disabled: true}: the filter does nothing on this route. */
    DISABLED,
    /** An {@code HTTPFault} entry replaces the filter-level config (no merging, as in Envoy). */
    OVERRIDE
  }

  public static final PerRouteFault FILTER_CONFIG =
      new PerRouteFault(Kind.FILTER_CONFIG, Optional.empty());
  public static final PerRouteFault DISABLED = new PerRouteFault(Kind.DISABLED, Optional.empty());

  private final Kind kind;
  private final Optional<HttpFaultConfig> override;

  private PerRouteFault(Kind kind, Optional<HttpFaultConfig> override) {
    this.kind = kind;
    this.override = override;
  }

  public static PerRouteFault override(HttpFaultConfig config) {
    return new PerRouteFault(Kind.OVERRIDE, Optional.of(Objects.requireNonNull(config)));
  }

  public Kind kind() {
    return kind;
  }

  /** The replacing config; only present when the kind is {@link Kind#OVERRIDE}. */
  public Optional<HttpFaultConfig> config() {
    return override;
  }

  @Override
  public String toString() {
    return kind == Kind.OVERRIDE ? "PerRouteFault(OVERRIDE " + override.get() + ")" : kind.name();
  }
}
