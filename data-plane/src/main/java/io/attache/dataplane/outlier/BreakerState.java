package io.attache.dataplane.outlier;

/**
 * The three states of the ambassador-style breaker, with the value of the {@code
 * attache.breaker_state} gauge. OPEN blocks traffic, CLOSED lets it through.
 */
public enum BreakerState {
  CLOSED(0),
  OPEN(1),
  HALF_OPEN(2);

  private final int gaugeValue;

  BreakerState(int gaugeValue) {
    this.gaugeValue = gaugeValue;
  }

  public int gaugeValue() {
    return gaugeValue;
  }

  String statName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
