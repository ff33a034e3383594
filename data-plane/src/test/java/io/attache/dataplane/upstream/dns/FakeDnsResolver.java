package io.attache.dataplane.upstream.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A DnsResolver for tests: answers each name with what the test last set for it (addresses with a
 * TTL, or a failure), at once, and records every question asked.
 */
public final class FakeDnsResolver implements DnsResolver {
  private final Map<String, List<ResolvedAddress>> answers = new HashMap<>();
  private final List<String> questions = new ArrayList<>();

  public synchronized FakeDnsResolver answer(String name, Duration ttl, String... ips) {
    List<ResolvedAddress> answer = new ArrayList<>();
    for (String ip : ips) {
      try {
        answer.add(
            new ResolvedAddress(
                InetAddress.getByAddress(
                    io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip)),
                ttl));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(ip, e);
      }
    }
    answers.put(name, List.copyOf(answer));
    return this;
  }

  /** Makes the name fail to resolve from now on. */
  public synchronized FakeDnsResolver fail(String name) {
    answers.remove(name);
    return this;
  }

  @Override
  public synchronized CompletableFuture<List<ResolvedAddress>> resolve(
      String hostname, DnsLookupFamily family) {
    questions.add(hostname + "/" + family);
    List<ResolvedAddress> answer = answers.get(hostname);
    if (answer == null) {
      return CompletableFuture.failedFuture(new UnknownHostException(hostname + " (fake)"));
    }
    return CompletableFuture.completedFuture(family.select(answer, ResolvedAddress::address));
  }

  public synchronized List<String> questions() {
    return List.copyOf(questions);
  }
}
