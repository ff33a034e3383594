package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlPlaneBenchmarkOptionsTest {

  private static ControlPlaneBenchmark parse(String... args) {
    ControlPlaneBenchmark benchmark = new ControlPlaneBenchmark();
    new CommandLine(benchmark).parseArgs(args);
    benchmark.validate();
    return benchmark;
  }

  @Test
  void defaultsToTheIssuesThreeSizesBothApisAndTheDoc() {
    ControlPlaneBenchmark benchmark = parse();

    assertThat(benchmark.proxies).containsExactly(100, 1_000, 10_000);
    assertThat(benchmark.apis()).containsExactly(Api.SOTW, Api.DELTA);
    assertThat(benchmark.rounds).isEqualTo(20);
    assertThat(benchmark.proxiesPerConnection).isEqualTo(1);
    assertThat(benchmark.translationServices).isEqualTo(10_000);
    assertThat(benchmark.noDoc).isFalse();
    assertThat(benchmark.doc).isEqualTo(Path.of("docs/benchmarks.md"));
  }

  @Test
  void takesACommaSeparatedProxyListThatReplacesTheDefault() {
    ControlPlaneBenchmark benchmark =
        parse("--proxies", "10,250", "--rounds", "5", "--api", "delta", "--no-doc");

    assertThat(benchmark.proxies).containsExactly(10, 250);
    assertThat(benchmark.rounds).isEqualTo(5);
    assertThat(benchmark.apis()).containsExactly(Api.DELTA);
    assertThat(benchmark.noDoc).isTrue();
  }

  @Test
  void rejectsAnUnknownApiAndEmptyOrZeroSizes() {
    assertThatThrownBy(() -> parse("--api", "xds"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--api must be sotw, delta or both");
    assertThatThrownBy(() -> parse("--proxies", "100,0"))
        .isInstanceOf(CommandLine.ParameterException.class);
    assertThatThrownBy(() -> parse("--rounds", "0"))
        .isInstanceOf(CommandLine.ParameterException.class);
    assertThatThrownBy(() -> parse("--proxies-per-connection", "0"))
        .isInstanceOf(CommandLine.ParameterException.class);
  }

  @Test
  void recordsTheCommandAsTheLauncherRunsIt() {
    assertThat(ControlPlaneBenchmark.commandLine(new String[0]))
        .isEqualTo("./attache bench control-plane");
    assertThat(ControlPlaneBenchmark.commandLine(new String[] {"--rounds", "10"}))
        .isEqualTo("./attache bench control-plane --rounds 10");
  }
}
