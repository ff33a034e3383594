package io.attache.controlplane.translate;

import java.util.Optional;

/**
 * Where proxies reach the control plane's JWKS ({@code GET /.well-known/jwks.json} on its REST
 * port): a host (IP literal or DNS name) and port as seen from the proxies, and, when the REST API
 * serves HTTPS, the PEM certificate proxies trust it by. Immutable.
 */
public record JwksEndpoint(String host, int port, Optional<String> trustedCaPem) {

  /** Where the REST API serves the JWKS (RFC 7517 key set of the trust domain's JWT-SVID keys). */
  public static final String PATH = "/.well-known/jwks.json";

  /** The REST API's default address, in the clear: right when everything runs on one machine. */
  public static final JwksEndpoint LOCAL = new JwksEndpoint("127.0.0.1", 18080, Optional.empty());

  public JwksEndpoint {
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a JWKS address: " + host + ":" + port);
    }
  }

  /** "host:port" or "[v6]:port"; the port is required. */
  public static JwksEndpoint parse(String address, Optional<String> trustedCaPem) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("not host:port: " + address);
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not host:port: " + address, e);
    }
    return new JwksEndpoint(host, port, trustedCaPem);
  }

  public boolean tls() {
    return trustedCaPem.isPresent();
  }

  /** The JWKS URL, as Envoy's http_uri.uri wants it. */
  public String uri() {
    String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    return (tls() ? "https://" : "http://") + authority + PATH;
  }
}
