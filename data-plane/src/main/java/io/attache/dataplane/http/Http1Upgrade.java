package io.attache.dataplane.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The two headers of an HTTP/1.1 protocol upgrade (RFC 9110 §7.8): reads the upgrade a request asks
 * for, as Envoy's {@code Utility::isUpgrade} does ({@code connection} naming {@code upgrade} and an
 * {@code upgrade} header), and puts the pair back on a message after the hop-by-hop headers were
 * stripped, so an accepted upgrade crosses the proxy. Stateless; never decides whether an upgrade
 * is allowed.
 */
public final class Http1Upgrade {
  private Http1Upgrade() {}

  /** The requested upgrade type ({@code websocket}, …), or null when the message asks for none. */
  public static String requested(HttpHeaders headers) {
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    if (upgrade == null || upgrade.isBlank()) {
      return null;
    }
    return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        ? upgrade.trim()
        : null;
  }

  /** Puts {@code connection: upgrade} and {@code upgrade: type} back. */
  public static void restore(HttpHeaders headers, String type) {
    headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    headers.set(HttpHeaderNames.UPGRADE, type);
  }

  /** Whether the message carries an upgrade the connection manager let through. */
  public static boolean carried(HttpHeaders headers) {
    return requested(headers) != null;
  }
}
