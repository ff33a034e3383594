package io.attache.controlplane.interop.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client × feature results: each column's client version and each cell's verdict. It is the
 * format the interop ITs write ({@code target/interop-results/<IT>.json}) and the one committed as
 * {@code docs/interop-matrix.json}, from which {@link InteropMatrixDoc} renders the matrix in
 * {@code docs/interop.md}. Mutable while an IT collects; never shared between threads.
 */
public final class InteropMatrix {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<InteropColumn, String> versions = new EnumMap<>(InteropColumn.class);
  private final Map<InteropFeature, Map<InteropColumn, Cell>> cells =
      new EnumMap<>(InteropFeature.class);

  public void version(InteropColumn column, String version) {
    versions.put(column, version);
  }

  public Optional<String> version(InteropColumn column) {
    return Optional.ofNullable(versions.get(column));
  }

  public void put(InteropFeature feature, InteropColumn column, Cell cell) {
    cells.computeIfAbsent(feature, f -> new EnumMap<>(InteropColumn.class)).put(column, cell);
  }

  public Optional<Cell> cell(InteropFeature feature, InteropColumn column) {
    return Optional.ofNullable(cells.getOrDefault(feature, Map.of()).get(column));
  }

  /** Features with at least one cell, in row order. */
  List<InteropFeature> features() {
    return new ArrayList<>(cells.keySet());
  }

  /**
   * How {@code committed} differs from this run's results, one line per stale cell or version;
   * empty when every result of this run is what is committed. Cells this run did not produce are
   * not compared (a run of one IT checks that IT's cells only).
   */
  public List<String> staleIn(InteropMatrix committed) {
    List<String> stale = new ArrayList<>();
    versions.forEach(
        (column, version) -> {
          String before = committed.versions.get(column);
          if (!version.equals(before)) {
            stale.add(column.title() + " version: committed " + before + ", ran " + version);
          }
        });
    cells.forEach(
        (feature, row) ->
            row.forEach(
                (column, cell) -> {
                  Cell before = committed.cell(feature, column).orElse(null);
                  if (!cell.agreesWith(before)) {
                    stale.add(
                        "%s × %s: committed %s, ran %s"
                            .formatted(
                                feature.id(),
                                column.id(),
                                before == null ? "nothing" : before.verdict(),
                                cell.verdict()));
                  }
                }));
    return stale;
  }

  /** Copies this run's versions and cells over {@code into}, keeping a known failure's reason. */
  public void mergeInto(InteropMatrix into) {
    into.versions.putAll(versions);
    cells.forEach(
        (feature, row) ->
            row.forEach(
                (column, cell) -> {
                  Cell before = into.cell(feature, column).orElse(null);
                  into.put(
                      feature,
                      column,
                      cell.agreesWith(before) && cell.verdict() == Verdict.FAILING ? before : cell);
                }));
  }

  public static InteropMatrix read(Path file) throws IOException {
    InteropMatrix matrix = new InteropMatrix();
    if (!Files.exists(file)) {
      return matrix;
    }
    JsonNode root = JSON.readTree(file.toFile());
    root.path("versions")
        .fields()
        .forEachRemaining(
            e -> matrix.versions.put(InteropColumn.byId(e.getKey()), e.getValue().asText()));
    for (Iterator<Map.Entry<String, JsonNode>> rows = root.path("cells").fields();
        rows.hasNext(); ) {
      Map.Entry<String, JsonNode> row = rows.next();
      InteropFeature feature = InteropFeature.byId(row.getKey());
      row.getValue()
          .fields()
          .forEachRemaining(
              e ->
                  matrix.put(
                      feature,
                      InteropColumn.byId(e.getKey()),
                      new Cell(
                          Verdict.valueOf(e.getValue().path("verdict").asText()),
                          e.getValue().path("evidence").asText(),
                          e.getValue().path("note").asText())));
    }
    return matrix;
  }

  public void write(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put(
        "about",
        "Interop results written by the interop ITs (InteropResults); docs/interop.md is rendered"
            + " from this file. Regenerate, do not edit.");
    ObjectNode versionsNode = root.putObject("versions");
    versions.forEach((column, version) -> versionsNode.put(column.id(), version));
    ObjectNode cellsNode = root.putObject("cells");
    cells.forEach(
        (feature, row) -> {
          ObjectNode rowNode = cellsNode.putObject(feature.id());
          row.forEach(
              (column, cell) -> {
                ObjectNode cellNode = rowNode.putObject(column.id());
                cellNode.put("verdict", cell.verdict().name());
                cellNode.put("evidence", cell.evidence());
                if (!cell.note().isEmpty()) {
                  cellNode.put("note", cell.note());
                }
              });
        });
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, JSON.writeValueAsString(root) + "\n");
  }
}
