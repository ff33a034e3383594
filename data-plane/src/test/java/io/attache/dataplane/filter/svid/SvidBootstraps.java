package io.attache.dataplane.filter.svid;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;

import io.attache.dataplane.testing.ProxyHarness;

/**
 * The two bootstraps of a signed-identity call: the caller's proxy, which mints a JWT-SVID for
 * audience {@code payments}, and the callee's, whose Envoy {@code jwt_authn} verifies it against
 * the JWKS behind cluster {@code jwks}, strips it and passes the verified {@code sub} to the app in
 * {@code x-caller-identity}. The callee's runs on Attaché and on a stock Envoy alike.
 */
final class SvidBootstraps {
  private static final String ROUTER =
      """
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private SvidBootstraps() {}

  static String caller(SvidKeys keys, int calleePort) {
    return caller(keys, calleePort, "x-service-identity");
  }

  /** The caller, carrying its tokens in {@code header}. */
  static String caller(SvidKeys keys, int calleePort, String header) {
    String pem = SvidKeys.pem(keys.keys.getPrivate()).replace("\n", "\\n");
    String filters =
        """
        http_filters:
        - name: attache.filters.http.service_identity_token
          typed_config:
            "@type": type.googleapis.com/attache.ext.v1.ServiceIdentityToken
            issuer: spiffe://mesh.local
            subject: spiffe://mesh.local/ns/shop/sa/orders
            signing_key: { kid: %s, private_key_pem: "%s" }
            lifetime: 300s
            header: %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
            .formatted(keys.kid, pem, header);
    return bootstrap(
            "",
            """
            - match: { prefix: "/" }
              route: { cluster: payments }
              typed_per_filter_config:
                attache.filters.http.service_identity_token:
                  "@type": type.googleapis.com/attache.ext.v1.ServiceIdentityTokenPerRoute
                  audience: payments
            """,
            staticCluster("payments", "", calleePort))
        .replace(ROUTER, filters.indent(10));
  }

  static String callee(int appPort, int jwksPort) {
    return callee(appPort, jwksPort, "from_headers: [{ name: x-service-identity }]");
  }

  /**
   * The callee, reading tokens where {@code tokenLocation} (a provider's YAML line) says; an empty
   * one is jwt_authn's default, {@code authorization: Bearer}.
   */
  static String callee(int appPort, int jwksPort, String tokenLocation) {
    String filters =
        """
        http_filters:
        - name: envoy.filters.http.jwt_authn
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
            providers:
              mesh:
                issuer: spiffe://mesh.local
                audiences: [payments]
                %s
                remote_jwks:
                  http_uri: { uri: "http://control-plane/v1/jwks", cluster: jwks, timeout: 5s }
                  cache_duration: 300s
                claim_to_headers: [{ header_name: x-caller-identity, claim_name: sub }]
            rules:
            - match: { prefix: "/" }
              requires: { provider_name: mesh }
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
            .formatted(tokenLocation);
    return bootstrap(
            "",
            ProxyHarness.routeAllTo("app"),
            staticCluster("app", "", appPort) + staticCluster("jwks", "", jwksPort))
        .replace(ROUTER, filters.indent(10));
  }
}
