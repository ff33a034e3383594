package io.attache.dataplane.upstream;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.upstream.dns.DnsResolver;

/**
 * What running clusters need from the proxy around them: where stats go, how names resolve, how
 * refreshes are timed, and the random source for load balancing. Tests pass fakes for all four.
 */
public record UpstreamContext(
    StatsStore stats, DnsResolver dnsResolver, Scheduler scheduler, RandomSource random) {}
