package io.attache.dataplane.overload;

/**
 * How one resource's pressure sets one action's state, as Envoy's {@code ThresholdTrigger} and
 * {@code ScaledTrigger} do. Pure: no state of its own.
 */
public sealed interface OverloadTrigger {
  /** The resource monitor this trigger reads, by its configured name. */
  String resource();

  /** The action state, 0 to 1, that this pressure (0 to 1) asks for. */
  double stateFor(double pressure);

  /** Saturated (1) at or above {@code value}, inactive (0) below it. */
  record Threshold(String resource, double value) implements OverloadTrigger {
    @Override
    public double stateFor(double pressure) {
      return pressure >= value ? 1.0 : 0.0;
    }
  }

  /**
   * Inactive at or below {@code scalingThreshold}, saturated at or above {@code
   * saturationThreshold}, and {@code (pressure - scaling) / (saturation - scaling)} between them.
   */
  record Scaled(String resource, double scalingThreshold, double saturationThreshold)
      implements OverloadTrigger {
    @Override
    public double stateFor(double pressure) {
      if (pressure <= scalingThreshold) {
        return 0.0;
      }
      if (pressure >= saturationThreshold) {
        return 1.0;
      }
      return (pressure - scalingThreshold) / (saturationThreshold - scalingThreshold);
    }
  }
}
