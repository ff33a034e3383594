package io.attache.dataplane.tracing;

/** The OpenTelemetry span kinds Attaché emits: the proxy serves downstream and calls upstream. */
public enum SpanKind {
  SERVER,
  CLIENT
}
