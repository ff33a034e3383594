package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.attache.dataplane.http.Http1RequestScanner.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of the HTTP/1.1 front door's framing (docs/testing.md): any bytes a
 * client can send. The scanner must never throw, must keep refusing once it refused, must report
 * message boundaries in a legal order, and must find the same boundaries whether the caller feeds
 * body bytes one at a time or skips them in bulk (the two paths the connection uses).
 */
class Http1RequestScannerFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void anyBytesAreFramedOrRefusedTheSameWayByteByByteAndWithBodySkips(byte[] input) {
    List<String> byteByByte = scan(input, false);
    List<String> skipping = scan(input, true);

    assertThat(skipping).isEqualTo(byteByByte);
  }

  /** The non-NEED_MORE steps with the offset of the byte that produced each. */
  private static List<String> scan(byte[] input, boolean skipBodies) {
    Http1RequestScanner scanner =
        new Http1RequestScanner(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS);
    List<String> steps = new ArrayList<>();
    Step last = Step.MESSAGE_COMPLETE;
    int i = 0;
    while (i < input.length) {
      long pending = scanner.bodyBytesPending();
      assertThat(pending).isNotNegative();
      Step step;
      int at;
      if (skipBodies && pending > 0) {
        int n = (int) Math.min(pending, input.length - i);
        step = scanner.skipBody(n);
        at = i + n - 1;
        i += n;
      } else {
        step = scanner.next(input[i]);
        at = i;
        i++;
      }
      if (step == Step.NEED_MORE) {
        continue;
      }
      assertThat(legalAfter(last, step)).as("%s after %s at %d", step, last, at).isTrue();
      if (step == Step.REJECTED) {
        assertThat(scanner.rejection()).isNotNull();
        for (int rest = i; rest < input.length; rest++) {
          assertThat(scanner.next(input[rest])).as("refused for good").isEqualTo(Step.REJECTED);
        }
        steps.add("REJECTED@" + at + " " + scanner.rejection());
        return steps;
      }
      steps.add(step + "@" + at);
      last = step;
    }
    return steps;
  }

  private static boolean legalAfter(Step last, Step next) {
    return switch (next) {
      case REJECTED -> true;
      case MESSAGE_STARTED -> last == Step.MESSAGE_COMPLETE || last == Step.HEAD_COMPLETE;
      case HEAD_COMPLETE -> last == Step.MESSAGE_STARTED;
      case MESSAGE_COMPLETE -> last == Step.HEAD_COMPLETE;
      case NEED_MORE -> false;
    };
  }
}
