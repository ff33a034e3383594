package io.attache.dataplane.upstream.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JdkDnsResolverTest {
  private final AtomicLong now = new AtomicLong();
  private final List<String> lookups = new ArrayList<>();
  private final List<String> lookupThreads = new ArrayList<>();
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "dns-test"));
  private boolean failNext;

  private final JdkDnsResolver resolver =
      new JdkDnsResolver(this::lookup, executor, Duration.ofSeconds(30), now::get, 100);

  private synchronized InetAddress[] lookup(String name) throws UnknownHostException {
    lookups.add(name);
    lookupThreads.add(Thread.currentThread().getName());
    if (failNext) {
      failNext = false;
      throw new UnknownHostException(name);
    }
    return new InetAddress[] {
      InetAddress.getByAddress(name, new byte[] {10, 0, 0, 1}),
      InetAddress.getByAddress(
          name, new byte[] {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
    };
  }

  @AfterEach
  void stop() {
    resolver.close();
  }

  @Test
  void looksUpOnItsOwnThreadAndAnswersWithTheDefaultTtl() {
    List<ResolvedAddress> answer = resolver.resolve("backend", DnsLookupFamily.V4_ONLY).join();

    assertThat(answer).hasSize(1);
    assertThat(answer.get(0).address().getHostAddress()).isEqualTo("10.0.0.1");
    assertThat(answer.get(0).ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(lookupThreads).containsExactly("dns-test");
  }

  @Test
  void servesRepeatedQuestionsFromTheCacheUntilTheTtlRunsOut() throws Exception {
    resolver.resolve("backend", DnsLookupFamily.V4_ONLY).join();
    List<ResolvedAddress> v6 = resolver.resolve("backend", DnsLookupFamily.V6_ONLY).join();
    assertThat(v6.get(0).address().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
    assertThat(lookups).containsExactly("backend");
    // The cache stamps an entry when its lookup future completes, on the lookup thread, maybe
    // just after join() returned here: let that thread finish before moving the clock.
    executor.submit(() -> {}).get();

    now.addAndGet(Duration.ofSeconds(31).toNanos());
    resolver.resolve("backend", DnsLookupFamily.V4_ONLY).join();

    assertThat(lookups).containsExactly("backend", "backend");
  }

  @Test
  void doesNotCacheAFailedLookup() {
    failNext = true;

    assertThatThrownBy(() -> resolver.resolve("backend", DnsLookupFamily.AUTO).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(UnknownHostException.class);
    assertThat(resolver.resolve("backend", DnsLookupFamily.AUTO).join()).hasSize(1);
    assertThat(lookups).containsExactly("backend", "backend");
  }
}
