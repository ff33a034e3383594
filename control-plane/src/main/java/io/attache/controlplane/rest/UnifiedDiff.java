package io.attache.controlplane.rest;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two texts in the unified format {@code diff -u} and {@code git diff} print, with
 * three lines of context: how revisions and dry runs show what changes. Texts here are single
 * policy documents (tens of lines), so the quadratic longest-common-subsequence table is small;
 * must never be fed whole exports of unbounded size.
 */
final class UnifiedDiff {

  private static final int CONTEXT = 3;

  /** Past this many lines a side, the diff is the whole old text removed and the new added. */
  private static final int MAX_LINES = 2_000;

  private UnifiedDiff() {}

  static String of(String fromLabel, String toLabel, String before, String after) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    List<String[]> edits = edits(a, b); // {op, line}: " ", "-", "+"
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(fromLabel).append('\n');
    out.append("+++ ").append(toLabel).append('\n');
    int i = 0;
    while (i < edits.size()) {
      if (edits.get(i)[0].equals(" ")) {
        i++;
        continue;
      }
      int start = Math.max(0, i - CONTEXT);
      // one hunk while the next change is within 2 × CONTEXT unchanged lines of the last
      int lastChange = i;
      for (int j = i + 1; j < edits.size() && j - lastChange <= 2 * CONTEXT; j++) {
        if (!edits.get(j)[0].equals(" ")) {
          lastChange = j;
        }
      }
      int end = Math.min(edits.size() - 1, lastChange + CONTEXT);
      int oldStart = 1;
      int newStart = 1;
      for (int k = 0; k < start; k++) {
        oldStart += edits.get(k)[0].equals("+") ? 0 : 1;
        newStart += edits.get(k)[0].equals("-") ? 0 : 1;
      }
      int oldCount = 0;
      int newCount = 0;
      StringBuilder hunk = new StringBuilder();
      for (int k = start; k <= end; k++) {
        String op = edits.get(k)[0];
        oldCount += op.equals("+") ? 0 : 1;
        newCount += op.equals("-") ? 0 : 1;
        hunk.append(op).append(edits.get(k)[1]).append('\n');
      }
      out.append("@@ -")
          .append(range(oldCount == 0 ? oldStart - 1 : oldStart, oldCount))
          .append(" +")
          .append(range(newCount == 0 ? newStart - 1 : newStart, newCount))
          .append(" @@\n")
          .append(hunk);
      i = end + 1;
    }
    return out.toString();
  }

  private static String range(int start, int count) {
    return count == 1 ? Integer.toString(start) : start + "," + count;
  }

  private static List<String> lines(String text) {
    List<String> lines = new ArrayList<>();
    if (text.isEmpty()) {
      return lines;
    }
    for (String line : text.split("\n", -1)) {
      lines.add(line);
    }
    if (lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private static List<String[]> edits(List<String> a, List<String> b) {
    List<String[]> edits = new ArrayList<>();
    if (a.size() > MAX_LINES || b.size() > MAX_LINES) {
      a.forEach(l -> edits.add(new String[] {"-", l}));
      b.forEach(l -> edits.add(new String[] {"+", l}));
      return edits;
    }
    int[][] common = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        common[i][j] =
            a.get(i).equals(b.get(j))
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      if (a.get(i).equals(b.get(j))) {
        edits.add(new String[] {" ", a.get(i++)});
        j++;
      } else if (common[i + 1][j] >= common[i][j + 1]) {
        edits.add(new String[] {"-", a.get(i++)});
      } else {
        edits.add(new String[] {"+", b.get(j++)});
      }
    }
    while (i < a.size()) {
      edits.add(new String[] {"-", a.get(i++)});
    }
    while (j < b.size()) {
      edits.add(new String[] {"+", b.get(j++)});
    }
    return edits;
  }
}
