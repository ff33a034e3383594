package io.attache.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DerivedFromNewestTest {
  private final AtomicReference<List<String>> runtime = new AtomicReference<>(List.of("a", "b"));
  private final List<List<String>> derivedFrom = new ArrayList<>();
  private final DerivedFromNewest<List<String>, String> firstChain =
      new DerivedFromNewest<>(
          runtime::get,
          r -> {
            derivedFrom.add(r);
            return r.get(0);
          });

  @Test
  void streamsOfAnUnchangedRuntimeReuseTheValueDerivedOnce() {
    assertThat(firstChain.get()).isEqualTo("a");
    assertThat(firstChain.get()).isEqualTo("a");
    assertThat(firstChain.get()).isEqualTo("a");

    assertThat(derivedFrom).hasSize(1);
  }

  @Test
  void aSwappedRuntimeIsDerivedAgainOnTheNextStream() {
    assertThat(firstChain.get()).isEqualTo("a");

    runtime.set(List.of("c"));

    assertThat(firstChain.get()).isEqualTo("c");
    assertThat(derivedFrom).containsExactly(List.of("a", "b"), List.of("c"));
  }

  @Test
  void anEqualButNewRuntimeCountsAsSwapped() {
    firstChain.get();

    runtime.set(new ArrayList<>(List.of("a", "b")));
    firstChain.get();

    assertThat(derivedFrom).hasSize(2);
  }
}
