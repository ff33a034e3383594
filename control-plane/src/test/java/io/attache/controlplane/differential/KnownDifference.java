package io.attache.controlplane.differential;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A difference between Attaché and a real Envoy that the harness found and that is not fixed,
 * written down with what each side did and why it stays, so it is reported on every run instead of
 * failing it — and so a fix shows: {@link DifferentialIT} fails when a listed difference no longer
 * occurs. Never a place for differences nobody has explained.
 *
 * @param envoyVersion the Envoy release it was observed with, e.g. {@code 1.40.0}
 * @param scenario the scenario it occurs in, or {@code *}
 * @param field a regular expression over {@link Difference#field()}
 * @param envoyObserved what Envoy did
 * @param attacheObserved what the Attaché proxy did
 * @param reason why it stays
 */
record KnownDifference(
    String envoyVersion,
    String scenario,
    Pattern field,
    String envoyObserved,
    String attacheObserved,
    String reason) {

  /**
   * The differences open today; docs/interop.md lists them too. Empty: the first run against Envoy
   * 1.40.0 found none.
   */
  static final List<KnownDifference> OPEN = List.of();

  boolean covers(Difference difference) {
    return (scenario.equals("*") || scenario.equals(difference.scenario()))
        && field.matcher(difference.field()).matches();
  }

  static boolean known(Difference difference) {
    return OPEN.stream().anyMatch(k -> k.covers(difference));
  }

  String describe() {
    return String.format(
        "Envoy %s, scenario %s: Envoy %s; Attaché %s. Stays because %s",
        envoyVersion, scenario, envoyObserved, attacheObserved, reason);
  }
}
