package io.attache.dataplane.filter;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;

/**
 * What Envoy's asynchronous HTTP client adds to every request it sends on the proxy's own behalf (a
 * mirror's shadow, the cache filter's fill and validation): {@code x-envoy-internal: true}, and the
 * server's own address appended to {@code x-forwarded-for}. Stateless; never blocks.
 */
public final class AsyncClientHeaders {
  private static final String X_ENVOY_INTERNAL = "x-envoy-internal";
  private static final String X_FORWARDED_FOR = "x-forwarded-for";

  private AsyncClientHeaders() {}

  /** Marks {@code headers} as sent by this server from {@code localAddress}. */
  public static void apply(HttpHeaders headers, InetAddress localAddress) {
    headers.set(X_ENVOY_INTERNAL, "true");
    String xff = String.join(",", headers.getAll(X_FORWARDED_FOR));
    String self = localAddress.getHostAddress();
    headers.set(X_FORWARDED_FOR, xff.isEmpty() ? self : xff + "," + self);
  }
}
