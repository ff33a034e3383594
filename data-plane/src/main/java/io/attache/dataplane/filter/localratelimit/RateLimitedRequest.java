package io.attache.dataplane.filter.localratelimit;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * What a {@code RateLimit.Action} reads of one request: its headers, the trusted downstream address
 * ({@code use_remote_address} / {@code xff_num_trusted_hops} applied) and the route's cluster.
 *
 * @param remoteAddress null when the downstream address is not an IP
 * @param destinationCluster the route's cluster; empty when the request is not forwarded
 */
record RateLimitedRequest(
    HttpRequest request, String scheme, InetAddress remoteAddress, String destinationCluster) {}
