package io.attache.dataplane.admin;

import java.util.List;

/**
 * Envoy's admin home page ({@code /}): every admin path with its help string, a link for those that
 * only read, a POST button for those that change state (they refuse GET). Pure HTML, no script, no
 * external resource; never runs an endpoint itself.
 */
final class IndexPage {
  /** One row of the page. */
  record Entry(String path, String help, boolean mutatesState) {}

  private IndexPage() {}

  static String html(List<Entry> entries) {
    StringBuilder out =
        new StringBuilder(
            "<!DOCTYPE html>\n<html>\n<head>\n<title>Attaché Admin</title>\n</head>\n<body>\n"
                + "<table>\n<thead>\n<tr><th>Command</th><th>Description</th></tr>\n</thead>\n"
                + "<tbody>\n");
    for (Entry entry : entries) {
      String path = escape(entry.path());
      out.append("<tr><td>");
      if (entry.mutatesState()) {
        out.append("<form action='")
            .append(path)
            .append("' method='post'><button type='submit'>")
            .append(escape(entry.path().substring(1)))
            .append("</button></form>");
      } else {
        out.append("<a href='").append(path).append("'>").append(path.substring(1)).append("</a>");
      }
      out.append("</td><td>").append(escape(entry.help())).append("</td></tr>\n");
    }
    return out.append("</tbody>\n</table>\n</body>\n</html>\n").toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace("\"", "&quot;");
  }
}
