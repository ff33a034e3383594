package io.attache.controlplane.differential;

import java.util.List;

/**
 * Every difference between two observation lists, with the names of both sides. Printed in full by
 * the tests whether or not it is empty, so a green run still shows what was compared.
 */
public record DiffReport(
    String leftName, String rightName, int observationsCompared, List<Difference> differences) {

  public DiffReport {
    differences = List.copyOf(differences);
  }

  public boolean identical() {
    return differences.isEmpty();
  }

  public String render() {
    StringBuilder out =
        new StringBuilder(
            "Differential report: "
                + leftName
                + " vs "
                + rightName
                + " — "
                + observationsCompared
                + " observations, "
                + differences.size()
                + " difference(s)\n");
    for (Difference d : differences) {
      out.append("  ").append(d.render(leftName, rightName)).append('\n');
    }
    return out.toString();
  }
}
