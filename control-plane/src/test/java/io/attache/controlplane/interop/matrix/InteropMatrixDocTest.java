package io.attache.controlplane.interop.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteropMatrixDocTest {

  @Test
  void committedInteropDocShowsTheCommittedMatrix() throws Exception {
    if (Boolean.getBoolean("attache.regenerateDocs")) {
      InteropMatrixDoc.writeDoc(InteropMatrix.read(InteropMatrixDoc.MATRIX_JSON));
    }
    assertThat(Files.readString(InteropMatrixDoc.DOC))
        .as(
            "docs/interop.md's matrix differs from docs/interop-matrix.json; regenerate both with\n"
                + InteropMatrixDoc.REGENERATE)
        .isEqualTo(InteropMatrixDoc.expectedDoc());
  }

  @Test
  void committedMatrixHasAVerdictWithEvidenceForEveryCellItLists() throws Exception {
    InteropMatrix committed = InteropMatrix.read(InteropMatrixDoc.MATRIX_JSON);

    for (InteropFeature feature : InteropFeature.values()) {
      for (InteropColumn column : InteropColumn.values()) {
        committed
            .cell(feature, column)
            .ifPresent(
                cell -> {
                  assertThat(cell.evidence()).as(feature + " × " + column).endsWith("IT");
                  assertThat(committed.version(column)).as(column + " version").isPresent();
                  if (cell.verdict() != Verdict.VERIFIED) {
                    assertThat(cell.note()).as(feature + " × " + column + " reason").isNotEmpty();
                  }
                });
      }
    }
  }

  @Test
  void rendersVerdictsPerColumnWithNumberedNotesAndDashesForWhatDidNotRun() {
    InteropMatrix matrix = new InteropMatrix();
    matrix.version(InteropColumn.GRPC_GO, "grpc-go v1.85.0");
    matrix.put(
        InteropFeature.RING_HASH,
        InteropColumn.GRPC_GO,
        new Cell(Verdict.VERIFIED, "GrpcGoXdsIT", ""));
    matrix.put(
        InteropFeature.RING_HASH,
        InteropColumn.GRPC_JS,
        new Cell(Verdict.UNSUPPORTED, "GrpcJsXdsIT", "not in grpc-js-xds (its README)"));
    matrix.put(
        InteropFeature.NACK_KEEPS_LAST_GOOD,
        InteropColumn.GRPC_JS,
        new Cell(Verdict.FAILING, "GrpcJsXdsIT", "expected NACK"));

    String doc = InteropMatrixDoc.render(matrix);

    assertThat(doc)
        .startsWith(InteropMatrixDoc.BEGIN)
        .endsWith(InteropMatrixDoc.END + "\n")
        .contains("| grpc-go | `grpc-go v1.85.0` |")
        .contains("| grpc-js | not run yet |")
        .contains(
            "| ring hash on a request header: every key sticks to one backend, keys spread |"
                + " gRFC A42 | — | — | — | verified | — | unsupported [1] |")
        .contains("| — | — | — | — | — | **failing** [2] |")
        .contains("[1] not in grpc-js-xds (its README)  \n[2] expected NACK  \n");
  }

  @Test
  void aRunIsStaleOnlyWhereItsOwnVerdictsOrVersionsDifferFromTheCommittedOnes() {
    InteropMatrix committed = new InteropMatrix();
    committed.version(InteropColumn.GRPC_GO, "grpc-go v1.85.0");
    committed.put(
        InteropFeature.RING_HASH, InteropColumn.GRPC_GO, new Cell(Verdict.VERIFIED, "A_IT", ""));
    committed.put(
        InteropFeature.NACK_KEEPS_LAST_GOOD,
        InteropColumn.GRPC_JS,
        new Cell(Verdict.FAILING, "B_IT", "reason one"));
    InteropMatrix run = new InteropMatrix();
    run.version(InteropColumn.GRPC_GO, "grpc-go v1.85.0");
    run.put(
        InteropFeature.RING_HASH, InteropColumn.GRPC_GO, new Cell(Verdict.VERIFIED, "A_IT", ""));
    run.put(
        InteropFeature.NACK_KEEPS_LAST_GOOD,
        InteropColumn.GRPC_JS,
        new Cell(Verdict.FAILING, "B_IT", "reason two, other numbers"));

    assertThat(run.staleIn(committed)).isEmpty();

    run.version(InteropColumn.GRPC_GO, "grpc-go v1.86.0");
    run.put(
        InteropFeature.WEIGHTED_CLUSTERS,
        InteropColumn.GRPC_GO,
        new Cell(Verdict.VERIFIED, "A_IT", ""));
    assertThat(run.staleIn(committed))
        .containsExactly(
            "grpc-go version: committed grpc-go v1.85.0, ran grpc-go v1.86.0",
            "weighted-clusters × grpc-go: committed nothing, ran VERIFIED");

    run.mergeInto(committed);
    assertThat(committed.cell(InteropFeature.NACK_KEEPS_LAST_GOOD, InteropColumn.GRPC_JS))
        .get()
        .extracting(Cell::note)
        .as("a known failure keeps its recorded reason")
        .isEqualTo("reason one");
    assertThat(committed.version(InteropColumn.GRPC_GO)).contains("grpc-go v1.86.0");
  }

  @Test
  void matrixSurvivesAWriteAndReadAndSplicesOnlyBetweenItsMarkers(@TempDir Path dir)
      throws Exception {
    InteropMatrix matrix = new InteropMatrix();
    matrix.version(InteropColumn.ATTACHE, "Attaché proxy (this repository)");
    matrix.put(
        InteropFeature.FAULT_INJECTION,
        InteropColumn.ATTACHE,
        new Cell(Verdict.VERIFIED, "AttacheProxyScenariosIT", ""));
    Path file = dir.resolve("matrix.json");

    matrix.write(file);
    InteropMatrix read = InteropMatrix.read(file);

    assertThat(InteropMatrixDoc.render(read)).isEqualTo(InteropMatrixDoc.render(matrix));
    String doc =
        "# Title\n\nbefore\n"
            + InteropMatrixDoc.BEGIN
            + "\nold\n"
            + InteropMatrixDoc.END
            + "\nafter\n";
    assertThat(InteropMatrixDoc.splice(doc, InteropMatrixDoc.render(read)))
        .startsWith("# Title\n\nbefore\n" + InteropMatrixDoc.BEGIN)
        .doesNotContain("\nold\n")
        .endsWith(InteropMatrixDoc.END + "\nafter\n");
    assertThatThrownBy(() -> InteropMatrixDoc.splice("no markers", "x"))
        .isInstanceOf(IllegalStateException.class);
  }
}
