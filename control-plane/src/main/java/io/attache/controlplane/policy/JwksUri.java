package io.attache.controlplane.policy;

import com.google.common.net.InetAddresses;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * A JwtRule's {@code jwks_uri}, parsed: where a sidecar fetches an issuer's keys. Only http and
 * https URIs with a host are JWKS URIs; the port defaults to the scheme's. Shared by the validator,
 * which refuses what does not parse, and the translator, which builds the fetch cluster from it.
 * Immutable; never resolves or contacts anything.
 *
 * @param uri the URI as written
 * @param host the host, lower case, without brackets for IPv6
 * @param port the explicit port, or 80 / 443
 * @param https whether the fetch is over TLS
 */
public record JwksUri(String uri, String host, int port, boolean https) {

  /** The parsed URI, or empty with {@code why} explaining the first problem. */
  public static Optional<JwksUri> parse(String uri, StringBuilder why) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      why.append("not a URI: ").append(e.getReason());
      return Optional.empty();
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      why.append("scheme must be http or https, not '").append(scheme).append("'");
      return Optional.empty();
    }
    String host = parsed.getHost();
    if (host == null || host.isEmpty()) {
      why.append("must name a host, e.g. https://issuer.example.com/.well-known/jwks.json");
      return Optional.empty();
    }
    if (parsed.getRawUserInfo() != null) {
      why.append("must not carry user info");
      return Optional.empty();
    }
    if (parsed.getRawFragment() != null) {
      why.append("must not carry a fragment");
      return Optional.empty();
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean https = scheme.equals("https");
    int port = parsed.getPort() < 0 ? (https ? 443 : 80) : parsed.getPort();
    if (port == 0) {
      why.append("port must be between 1 and 65535");
      return Optional.empty();
    }
    return Optional.of(new JwksUri(uri, host.toLowerCase(Locale.ROOT), port, https));
  }

  /** True when the host is an IP literal, so the fetch needs no name resolution. */
  public boolean hostIsIp() {
    return InetAddresses.isInetAddress(host);
  }
}
