package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/data-plane.md's flag table names exactly the flags the proxy's parser takes: a flag added
 * without a line there, or a line for a flag that is gone, fails here. A name ending in {@code *}
 * stands for every flag it prefixes.
 */
class ProxyMainDocTest {
  private static final Path DOC = Path.of("..", "docs", "data-plane.md");
  private static final String TABLE_HEADER = "| Flag | Meaning here |";
  private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(--?[A-Za-z][\\w-]*\\*?)");

  @Test
  void theDocumentedFlagsAreExactlyTheParsedOnes() throws Exception {
    Set<String> parsed = new TreeSet<>();
    for (CommandLine.Model.OptionSpec option :
        new CommandLine(new ProxyMain()).getCommandSpec().options()) {
      parsed.addAll(List.of(option.names()));
    }
    Set<String> documented = documentedFlags();

    Set<String> undocumented = new TreeSet<>(parsed);
    undocumented.removeIf(flag -> documents(documented, flag));
    Set<String> gone = new TreeSet<>(documented);
    gone.removeIf(doc -> parsed.stream().anyMatch(flag -> documents(Set.of(doc), flag)));

    assertThat(undocumented).as("flags the parser takes that the table leaves out").isEmpty();
    assertThat(gone).as("flags the table names that the parser does not take").isEmpty();
  }

  private static boolean documents(Set<String> documented, String flag) {
    return documented.stream()
        .anyMatch(
            doc ->
                doc.endsWith("*")
                    ? flag.startsWith(doc.substring(0, doc.length() - 1))
                    : doc.equals(flag));
  }

  /** The flag names in the first column of the table (values and alternatives stripped). */
  private static Set<String> documentedFlags() throws Exception {
    List<String> lines = Files.readAllLines(DOC);
    int header = lines.indexOf(TABLE_HEADER);
    assertThat(header).as("the table headed '%s' in %s", TABLE_HEADER, DOC).isNotNegative();
    Set<String> flags = new TreeSet<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String firstColumn = lines.get(i).split("(?<!\\\\)\\|")[1];
      for (String code : firstColumn.split("`")) {
        if (!code.startsWith("-")) {
          continue;
        }
        String name = code.split(" ")[0];
        Matcher m = FLAG.matcher(name);
        while (m.find()) {
          flags.add(m.group(1));
        }
      }
    }
    return flags;
  }
}
