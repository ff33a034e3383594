package io.attache.controlplane.interop.matrix;

/**
 * One cell of the matrix: the verdict, the test class that observed it and, for {@link
 * Verdict#UNSUPPORTED} the citation, for {@link Verdict#FAILING} the first line of the failure.
 */
public record Cell(Verdict verdict, String evidence, String note) {

  /** Same verdict: what decides whether the committed matrix is stale (notes may vary per run). */
  boolean agreesWith(Cell other) {
    return other != null && verdict == other.verdict;
  }
}
