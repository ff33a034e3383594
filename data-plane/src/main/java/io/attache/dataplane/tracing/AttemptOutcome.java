package io.attache.dataplane.tracing;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * How one upstream attempt ended, for its span: the upstream protocol ({@code HTTP/1.1}, {@code
 * HTTP/2}), the host it went to (absent when none was reached), the status it returned (0 for none)
 * and Envoy's short response flags. Immutable.
 */
public record AttemptOutcome(
    String protocol,
    Optional<InetSocketAddress> upstreamAddress,
    int responseCode,
    String responseFlags) {}
