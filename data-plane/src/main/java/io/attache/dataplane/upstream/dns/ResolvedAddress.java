package io.attache.dataplane.upstream.dns;

import java.net.InetAddress;
import java.time.Duration;

/**
 * One address a name resolved to, with how long the answer may be trusted. Resolvers that cannot
 * see the record's TTL (the JDK's) report their configured default instead.
 */
public record ResolvedAddress(InetAddress address, Duration ttl) {}
