package io.attache.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.stats.StatsStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AsyncLineWriterTest {
  /** A stream whose first write parks until the test releases it: a disk that stalls. */
  private static final class StallingStream extends OutputStream {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean writing = new AtomicBoolean();
    final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      writing.set(true);
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      written.write(b, off, len);
    }

    synchronized String text() {
      return written.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void dropsAndCountsLinesWhileTheOutputStallsInsteadOfBlocking() {
    StatsStore stats = new StatsStore();
    StallingStream stream = new StallingStream();
    AsyncLineWriter writer = new AsyncLineWriter("stall", stream, true, 2, stats);

    assertThat(writer.write("1\n")).isEqualTo(AsyncLineWriter.WriteResult.QUEUED);
    await().atMost(Duration.ofSeconds(5)).untilTrue(stream.writing);
    assertThat(writer.write("2\n")).isEqualTo(AsyncLineWriter.WriteResult.QUEUED);
    assertThat(writer.write("3\n")).isEqualTo(AsyncLineWriter.WriteResult.QUEUED);
    assertThat(writer.write("4\n")).isEqualTo(AsyncLineWriter.WriteResult.DROPPED_QUEUE_FULL);
    assertThat(stats.counter("access_logs.file.write_dropped").value()).isEqualTo(1);
    assertThat(stats.gauge("access_logs.file.write_total_buffered").value()).isEqualTo(6);

    stream.release.countDown();
    writer.close();
    assertThat(stream.text()).isEqualTo("1\n2\n3\n");
    assertThat(stats.gauge("access_logs.file.write_total_buffered").value()).isZero();
    assertThat(writer.write("5\n")).isEqualTo(AsyncLineWriter.WriteResult.DROPPED_CLOSED);
  }

  @Test
  void countsFailedWrites() {
    StatsStore stats = new StatsStore();
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }
        };
    AsyncLineWriter writer = new AsyncLineWriter("broken", broken, false, 8, stats);
    writer.write("x\n");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stats.counter("access_logs.file.write_failed").value() == 1);
    writer.close();
  }
}
