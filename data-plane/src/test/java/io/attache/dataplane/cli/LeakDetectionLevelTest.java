package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector.Level;
import org.junit.jupiter.api.Test;

class LeakDetectionLevelTest {

  @Test
  void theShippedProxyRunsWithoutNettysLeakDetectorUnlessAsked() {
    assertThat(ProxyMain.leakDetectionOverride(null)).contains(Level.DISABLED);
  }

  @Test
  void aLevelAskedForOnTheCommandLineIsLeftToNetty() {
    assertThat(ProxyMain.leakDetectionOverride("paranoid")).isEmpty();
  }
}
