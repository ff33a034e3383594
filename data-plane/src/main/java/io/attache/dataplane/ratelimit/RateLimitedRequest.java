package io.attache.dataplane.ratelimit;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * What a {@code RateLimit.Action} reads of one request: its headers, the trusted downstream address
 * ({@code use_remote_address} / {@code xff_num_trusted_hops} applied), the route's cluster and the
 * proxy's own service cluster.
 *
 * @param remoteAddress null when the downstream address is not an IP
 * @param destinationCluster the route's cluster; empty when the request is not forwarded
 * @param sourceCluster {@code node.cluster}; empty when not set
 */
public record RateLimitedRequest(
    HttpRequest request,
    String scheme,
    InetAddress remoteAddress,
    String destinationCluster,
    String sourceCluster) {}
