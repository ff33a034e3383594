package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * docs/data-plane.md's table of admin paths is the admin endpoint's own list: every path {@code
 * /help} names, with POST where the endpoint refuses other methods, and nothing else.
 */
class AdminEndpointsDocTest {
  private static final Path DOC = Path.of("..", "docs", "data-plane.md");
  private static final String TABLE_HEADER = "| Admin path | Method | Answers |";

  @Test
  void theDocumentedAdminPathsAreExactlyTheServedOnes() throws Exception {
    assertThat(documented())
        .as("docs/data-plane.md's admin path table against /help")
        .isEqualTo(served());
  }

  /** Path → method, from the endpoint: /help lists paths; a PUT on a POST-only one gets 405. */
  private static Map<String, String> served() {
    AdminEndpoints endpoints = new AdminEndpoints(AdminSources.builder().build());
    Map<String, String> served = new TreeMap<>();
    String help = endpoints.handle("GET", "/help").body();
    for (String line : help.split("\n")) {
      if (line.startsWith("  /")) {
        String path = line.substring(2, line.indexOf(':'));
        served.put(path, isPostOnly(path) ? "POST" : "GET");
      }
    }
    return served;
  }

  private static boolean isPostOnly(String path) {
    AdminResponse probe =
        new AdminEndpoints(AdminSources.builder().build()).handle("PUT", path + "?probe");
    return probe.status() == 405;
  }

  private static Map<String, String> documented() throws Exception {
    List<String> lines = Files.readAllLines(DOC);
    int header = lines.indexOf(TABLE_HEADER);
    assertThat(header).as("the table headed '%s' in %s", TABLE_HEADER, DOC).isNotNegative();
    Map<String, String> documented = new TreeMap<>();
    List<String> rows = new ArrayList<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      rows.add(lines.get(i));
    }
    for (String row : rows) {
      String[] cells = row.split("\\|");
      documented.put(cells[1].trim().replace("`", ""), cells[2].trim());
    }
    return documented;
  }
}
