package io.attache.dataplane.server;

import java.time.Duration;

/**
 * Process-level settings that do not come from the bootstrap (command-line flags).
 *
 * @param concurrency worker event loops
 * @param drainTime how long SIGTERM waits for in-flight requests
 */
public record ProxyOptions(int concurrency, Duration drainTime) {}
