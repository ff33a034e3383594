package io.attache.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponseFlagsTest {
  @Test
  void noFlagsRenderAsADash() {
    assertThat(ResponseFlags.NONE.toShortString()).isEqualTo("-");
    assertThat(ResponseFlags.NONE.toLongString()).isEqualTo("-");
  }

  @Test
  void flagsRenderInEnvoysOrderWhateverTheOrderTheyWereSet() {
    ResponseFlags flags =
        ResponseFlags.of(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED)
            .with(ResponseFlag.UPSTREAM_OVERFLOW)
            .with(ResponseFlag.NO_HEALTHY_UPSTREAM)
            .with(ResponseFlag.DROP_OVERLOAD);
    assertThat(flags.toShortString()).isEqualTo("UH,UO,URX,DO");
    assertThat(flags.toLongString())
        .isEqualTo("NoHealthyUpstream,UpstreamOverflow,UpstreamRetryLimitExceeded,DropOverload");
  }

  @Test
  void everyShortCodeIsUniqueAndFoundAgain() {
    for (ResponseFlag flag : ResponseFlag.values()) {
      assertThat(ResponseFlag.fromShortCode(flag.shortCode())).contains(flag);
    }
    assertThat(ResponseFlag.fromShortCode("XX")).isEmpty();
  }
}
