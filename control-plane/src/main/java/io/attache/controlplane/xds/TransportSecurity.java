package io.attache.controlplane.xds;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

/**
 * How the xDS port protects its connections. {@link #PLAINTEXT} leaves them in the clear (the
 * default, and what the existing clients and tests use); the CA's TLS variant serves a CA-issued
 * certificate and asks clients for theirs.
 */
public interface TransportSecurity extends AutoCloseable {

  TransportSecurity PLAINTEXT = builder -> {};

  void configure(NettyServerBuilder builder);

  /** Stops whatever keeps the server's certificate fresh. */
  @Override
  default void close() {}
}
