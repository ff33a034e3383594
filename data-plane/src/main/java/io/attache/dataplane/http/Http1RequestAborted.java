package io.attache.dataplane.http;

/**
 * User event fired to the stream handler when a request it already received turns out to be
 * malformed in its body (a bad chunk): it must abandon the request (reset the upstream); the
 * connection is closed by {@link Http1ExchangeSequencer}.
 */
public record Http1RequestAborted(RejectReason reason) {}
