package io.attache.dataplane.tls;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's TLS statistics under one prefix ({@code listener.<address>.ssl.} or {@code
 * cluster.<name>.ssl.}). Counters only; cheap to bump from an event loop.
 */
public final class TlsStats {
  public final Counter connectionError;
  public final Counter handshake;
  public final Counter noCertificate;
  public final Counter failVerifyNoCert;
  public final Counter failVerifyError;
  public final Counter failVerifySan;
  private final StatsStore store;
  private final String prefix;

  /** {@code prefix} ends with {@code ssl.}, e.g. {@code cluster.backend.ssl.}. */
  public TlsStats(StatsStore store, String prefix) {
    this.store = store;
    this.prefix = prefix;
    this.connectionError = store.counter(prefix + "connection_error");
    this.handshake = store.counter(prefix + "handshake");
    this.noCertificate = store.counter(prefix + "no_certificate");
    this.failVerifyNoCert = store.counter(prefix + "fail_verify_no_cert");
    this.failVerifyError = store.counter(prefix + "fail_verify_error");
    this.failVerifySan = store.counter(prefix + "fail_verify_san");
  }

  /** {@code ssl.versions.<TLSv1.3>} and {@code ssl.ciphers.<suite>} of a completed handshake. */
  void negotiated(String protocol, String cipherSuite) {
    store.counter(prefix + "versions." + protocol).inc();
    store.counter(prefix + "ciphers." + cipherSuite).inc();
  }
}
