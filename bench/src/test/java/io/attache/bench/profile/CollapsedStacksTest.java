package io.attache.bench.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollapsedStacksTest {
  private static final List<CollapsedStacks.Stage> STAGES =
      java.util.stream.Stream.concat(
              CollapsedStacks.KERNEL_STAGES.stream(),
              java.util.stream.Stream.of(
                  new CollapsedStacks.Stage(
                      "HTTP/1 request guard (byte scan)", "RequestSmugglingGuard"),
                  new CollapsedStacks.Stage("router filter", "filter/router/")))
          .toList();
  private static final String OTHER = "other (Netty event loop, JDK)";

  private static final String LOOP =
      "java/lang/Thread.run;io/netty/channel/SingleThreadIoEventLoop.run;";

  @Test
  void theDeepestMarkedFrameDecidesTheStage() {
    CollapsedStacks s =
        CollapsedStacks.parse(
            List.of(
                LOOP
                    + "io/attache/dataplane/filter/router/RouterFilter.onUpstreamData;"
                    + "io/netty/channel/AbstractChannelHandlerContext.flush;"
                    + "__GI___send;tcp_sendmsg_[k];tcp_write_xmit_[k] 30",
                LOOP + "io/attache/dataplane/filter/router/RouterFilter.decodeHeaders 10",
                LOOP + "io/netty/channel/epoll/Native.epollWait;ep_poll_[k] 10"),
            STAGES,
            OTHER);

    assertThat(s.total()).isEqualTo(50);
    assertThat(s.share("kernel: send/write")).isEqualTo(0.6);
    assertThat(s.share("router filter")).isEqualTo(0.2);
    assertThat(s.share("kernel: epoll")).isEqualTo(0.2);
  }

  @Test
  void reportsKernelShareLeavesAndTheDeepestAttacheFrame() {
    CollapsedStacks s =
        CollapsedStacks.parse(
            List.of(
                LOOP
                    + "io/attache/dataplane/http/RequestSmugglingGuard.channelRead;"
                    + "io/attache/dataplane/http/Http1RequestScanner.next 3",
                LOOP + "recv;tcp_recvmsg_[k] 1"),
            STAGES,
            OTHER);

    String report = s.summary("cpu", 5, true);

    assertThat(report).startsWith("cpu: 4 samples, 25.0 % of them in the kernel");
    assertThat(report).contains("75.0 %  HTTP/1 request guard (byte scan)");
    assertThat(report).contains("25.0 %  kernel: receive");
    assertThat(report).contains("75.0 %  io/attache/dataplane/http/Http1RequestScanner.next");
  }

  @Test
  void aKernelLeafIsKernelTimeEvenWhenItsStackWasCutShort() {
    CollapsedStacks s =
        CollapsedStacks.parse(
            List.of(
                LOOP
                    + "io/attache/dataplane/filter/router/RouterFilter.onUpstreamData;"
                    + "io/netty/channel/epoll/AbstractEpollChannel.flush0;writev;pvm_irq_enable_[k] 2"),
            STAGES,
            OTHER);

    assertThat(s.share(CollapsedStacks.KERNEL_OTHER)).isEqualTo(1.0);
  }

  @Test
  void stacksWithoutAMarkerAreOtherAndMalformedLinesAreSkipped() {
    CollapsedStacks s =
        CollapsedStacks.parse(
            List.of(LOOP + "io/netty/util/Recycler.get 4", "garbage", "a;b x"), STAGES, OTHER);

    assertThat(s.total()).isEqualTo(4);
    assertThat(s.share(OTHER)).isEqualTo(1.0);
  }
}
