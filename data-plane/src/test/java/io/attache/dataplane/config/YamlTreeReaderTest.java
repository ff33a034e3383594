package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The YAML reader against the Jackson YAML reader it replaced: the same documents must give the
 * same JSON text to JsonFormat, so no bootstrap changes meaning with the switch.
 */
class YamlTreeReaderTest {
  private static final YAMLMapper JACKSON_YAML = new YAMLMapper();
  private static final ObjectMapper JACKSON_JSON = new ObjectMapper();

  /** Plain, quoted and tagged scalars whose typing differs between YAML schemas. */
  static List<String> scalars() {
    return List.of(
        "text",
        "\"quoted\"",
        "'single'",
        "\"\"",
        "''",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "True",
        "FALSE",
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "n",
        "Y",
        "0",
        "-0",
        "+0",
        "7",
        "-7",
        "+7",
        "1_000",
        "0x1F",
        "-0x1f",
        "0b101",
        "017",
        "0_17",
        "09",
        "1:30",
        "-1:30",
        "3.25",
        "1.50",
        "1e3",
        "1.0e+3",
        "-2.5E-3",
        ".5",
        "1_0.5",
        "0.25s",
        "2s",
        "127.0.0.1",
        "::1",
        "12345678901",
        "123456789012345678901234567890",
        "-9223372036854775808",
        "2001-12-14",
        "!!str 5",
        "!!int \"12\"",
        "!!float \"2\"",
        "!!bool \"yes\"",
        "!!null \"x\"",
        "!custom 5",
        "!!binary aGVsbG8=",
        "\"a\\u00e9\\n<&>\"",
        "'it''s'",
        ">\n    folded\n    text",
        "|\n    literal\n    text\n",
        "*anchor",
        "&anchor 5",
        "type.googleapis.com/x.y");
  }

  @ParameterizedTest
  @MethodSource("scalars")
  void typesEveryScalarAsJacksonDid(String scalar) throws Exception {
    assertSameTreeAsJackson("value: " + scalar + "\n");
    assertSameTreeAsJackson("list:\n- " + scalar + "\n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a: {b: [1, 2, {c: d}], e: []}\n",
        "a: 1\na: 2\nb: 3\n",
        "? complex\n: value\n",
        "1: numeric key\ntrue: bool key\n",
        "---\na: 1\n---\nb: 2\n",
        "%YAML 1.1\n---\na: 1\n",
        "- top\n- level\n- list\n",
        "just text\n",
        "a: &x {b: 1}\nc: *x\n",
        "a:\n  - b: 1\n    c: 2\n  - d\n",
        "{\"json\": {\"style\": [1, 2.5, \"x\", null, true]}}",
        "a: # comment\n  b: 1 # more\n",
        "a:\n"
      })
  void readsDocumentsAsJacksonDid(String yaml) throws Exception {
    assertSameTreeAsJackson(yaml);
  }

  static Stream<Path> shippedBootstraps() throws Exception {
    Path examples = Path.of("..", "deploy", "examples");
    try (Stream<Path> files = Files.walk(examples)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("shippedBootstraps")
  void readsEveryShippedBootstrapAsJacksonDid(Path file) throws Exception {
    assertSameTreeAsJackson(Files.readString(file));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "# only a comment\n", "---\n", "~\n"})
  void readsAnEmptyDocumentAsNull(String yaml) throws Exception {
    assertThat(YamlTreeReader.read(yaml).isJsonNull()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a: [unclosed",
        "a: b: c",
        "a:\n\t- tab",
        "[a]: b\n",
        "a: 'unterminated",
        "a: .inf",
        "a: -.Inf",
        "a: .nan"
      })
  void rejectsWhatJacksonRejectedNamingTheLine(String yaml) {
    assertThatThrownBy(() -> JACKSON_YAML.readTree(yaml)).isNotNull();
    assertThatThrownBy(() -> YamlTreeReader.read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("malformed YAML")
        .hasMessageContaining("line");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"a\": 1, // comment\n \"b\": 2}",
        "{'a': 1}",
        "{a: 1}",
        "{\"a\": [1, 2,]}",
        "{\"a\": 1,}",
        "{\"a\": NaN}",
        "{\"a\": 01}",
        "{\"a\": 1"
      })
  void rejectsJsonThatJacksonRejected(String json) {
    assertThatThrownBy(() -> JACKSON_JSON.readTree(json)).isNotNull();
    assertThatThrownBy(() -> BootstrapLoader.parse(json, true))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("malformed JSON");
  }

  private static void assertSameTreeAsJackson(String yaml) throws Exception {
    JsonNode jackson = JACKSON_YAML.readTree(yaml);
    String expected =
        jackson == null || jackson.isMissingNode()
            ? "null"
            : normalised(JACKSON_JSON.writeValueAsString(jackson));
    assertThat(normalised(YamlTreeReader.read(yaml).toString())).as(yaml).isEqualTo(expected);
  }

  /** Gson's re-rendering, so that only escaping style may differ, never values or number text. */
  private static String normalised(String json) {
    JsonElement tree = JsonParser.parseString(json);
    return tree.toString();
  }
}
