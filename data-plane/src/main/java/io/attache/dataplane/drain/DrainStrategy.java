package io.attache.dataplane.drain;

/** Envoy's {@code --drain-strategy}: how a drain asks connections to close. */
public enum DrainStrategy {
  /** Connections are asked to close with a probability growing over the drain time. */
  GRADUAL,
  /** Every connection is asked to close as soon as the drain starts. */
  IMMEDIATE
}
