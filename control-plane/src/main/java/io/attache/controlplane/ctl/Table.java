package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A plain-text table with aligned columns, as kubectl and istioctl print them. */
final class Table {

  private final List<String[]> rows = new ArrayList<>();
  private final List<Function<JsonNode, String>> columns = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  /** A table whose rows are read from JSON items, one function per column. */
  @SafeVarargs
  static Table of(String[] header, Function<JsonNode, String>... columns) {
    Table table = new Table(header);
    table.columns.addAll(List.of(columns));
    return table;
  }

  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  void add(JsonNode item) {
    String[] cells = new String[columns.size()];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = columns.get(i).apply(item);
    }
    rows.add(cells);
  }

  void print(PrintWriter out) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : pad(row[i], widths[i] + 2));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  private static String pad(String cell, int width) {
    return cell + " ".repeat(width - cell.length());
  }
}
