package io.attache.controlplane.interop.matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders {@link InteropMatrix} as the matrix section of {@code docs/interop.md}: the text between
 * {@link #BEGIN} and {@link #END}, everything else in the file being hand-written. Pure text; it
 * never runs a test and never decides a verdict.
 */
public final class InteropMatrixDoc {

  public static final Path MATRIX_JSON = Path.of("..", "docs", "interop-matrix.json");
  public static final Path DOC = Path.of("..", "docs", "interop.md");

  static final String BEGIN = "<!-- BEGIN generated interop matrix -->";
  static final String END = "<!-- END generated interop matrix -->";

  static final String REGENERATE =
      "mvn -B verify -pl control-plane -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false"
          + " -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test='GrpcJavaProxylessIT,GrpcGoXdsIT,GrpcPythonXdsIT,GrpcJsXdsIT,"
          + "AttacheProxyScenariosIT,StockEnvoyScenariosIT' -Dattache.regenerateDocs=true";

  private InteropMatrixDoc() {}

  /** The generated section, markers included. */
  public static String render(InteropMatrix matrix) {
    StringBuilder out = new StringBuilder();
    out.append(BEGIN).append('\n');
    out.append(
        """
        <!-- Rendered from docs/interop-matrix.json, which the interop ITs write; do not edit by hand.
             Regenerate (runs the ITs, rewrites both files):
             %s -->

        """
            .formatted(REGENERATE));
    out.append("| client | version |\n|---|---|\n");
    for (InteropColumn column : InteropColumn.values()) {
      out.append("| ")
          .append(column.title())
          .append(" | ")
          .append(matrix.version(column).map(v -> "`" + v + "`").orElse("not run yet"))
          .append(" |\n");
    }
    out.append('\n');
    out.append("| feature | spec |");
    for (InteropColumn column : InteropColumn.values()) {
      out.append(' ').append(column.title()).append(" |");
    }
    out.append("\n|---|---|");
    out.append("---|".repeat(InteropColumn.values().length));
    out.append('\n');
    List<String> notes = new ArrayList<>();
    for (InteropFeature feature : InteropFeature.values()) {
      out.append("| ")
          .append(feature.title())
          .append(" | ")
          .append(feature.reference())
          .append(" |");
      for (InteropColumn column : InteropColumn.values()) {
        out.append(' ').append(cell(matrix.cell(feature, column), notes)).append(" |");
      }
      out.append('\n');
    }
    out.append('\n');
    for (int i = 0; i < notes.size(); i++) {
      out.append("[").append(i + 1).append("] ").append(notes.get(i)).append("  \n");
    }
    if (!notes.isEmpty()) {
      out.append('\n');
    }
    out.append(END).append('\n');
    return out.toString();
  }

  private static String cell(Optional<Cell> maybe, List<String> notes) {
    if (maybe.isEmpty()) {
      return "—";
    }
    Cell cell = maybe.get();
    String text =
        switch (cell.verdict()) {
          case VERIFIED -> "verified";
          case UNSUPPORTED -> "unsupported";
          case FAILING -> "**failing**";
        };
    if (cell.note().isEmpty()) {
      return text;
    }
    int index = notes.indexOf(cell.note());
    if (index < 0) {
      notes.add(cell.note());
      index = notes.size() - 1;
    }
    return text + " [" + (index + 1) + "]";
  }

  /** {@code doc} with its generated section replaced by {@code section}. */
  static String splice(String doc, String section) {
    int begin = doc.indexOf(BEGIN);
    int end = doc.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException("docs/interop.md has no " + BEGIN + " ... " + END);
    }
    return doc.substring(0, begin) + section + doc.substring(end + END.length() + 1);
  }

  /** docs/interop.md as it must be for the committed matrix. */
  static String expectedDoc() throws IOException {
    return splice(Files.readString(DOC), render(InteropMatrix.read(MATRIX_JSON)));
  }

  static void writeDoc(InteropMatrix matrix) throws IOException {
    matrix.write(MATRIX_JSON);
    Files.writeString(DOC, splice(Files.readString(DOC), render(matrix)));
  }
}
