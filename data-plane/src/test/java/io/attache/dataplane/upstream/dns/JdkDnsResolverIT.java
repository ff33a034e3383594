package io.attache.dataplane.upstream.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JdkDnsResolverIT {
  @Test
  void resolvesLocalhostWithTheRealResolver() {
    try (JdkDnsResolver resolver = JdkDnsResolver.create(Duration.ofSeconds(5))) {
      List<ResolvedAddress> answer = resolver.resolve("localhost", DnsLookupFamily.ALL).join();

      assertThat(answer).isNotEmpty();
      assertThat(answer).allSatisfy(a -> assertThat(a.address().isLoopbackAddress()).isTrue());
      assertThat(answer).allSatisfy(a -> assertThat(a.ttl()).isEqualTo(Duration.ofSeconds(5)));
    }
  }
}
