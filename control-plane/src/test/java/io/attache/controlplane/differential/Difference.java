package io.attache.controlplane.differential;

/**
 * One thing two data planes observed differently: where (scenario, request index, the field, e.g.
 * {@code attempts[1].headers[x-request-id]}) and both normalised values ({@code <absent>} when one
 * side has nothing there).
 */
public record Difference(
    String scenario, int index, String request, String field, String left, String right) {

  String render(String leftName, String rightName) {
    return "[" + scenario + " #" + index + " " + request + "] " + field + ": " + leftName + "="
        + left + " " + rightName + "=" + right;
  }
}
