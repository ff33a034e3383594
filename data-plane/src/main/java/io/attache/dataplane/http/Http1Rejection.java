package io.attache.dataplane.http;

/**
 * Passed inbound (through the codec, which lets non-bytes through untouched) in place of the bytes
 * of a refused request, so that the refusal keeps its place in the order of pipelined requests. The
 * stream handler after {@link Http1ExchangeSequencer} never sees one.
 */
public record Http1Rejection(RejectReason reason) {}
