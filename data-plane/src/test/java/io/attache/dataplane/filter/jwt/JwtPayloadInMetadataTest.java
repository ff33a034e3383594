package io.attache.dataplane.filter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jwt_authn's {@code payload_in_metadata}, {@code header_in_metadata} and {@code
 * normalize_payload_in_metadata} on the connection manager's chain, read by an RBAC filter after it
 * the way Istio's {@code requestPrincipals} are: the verified payload's {@code iss} and {@code
 * sub}. The harness clock stands at 2026-01-01T00:00:00Z.
 */
class JwtPayloadInMetadataTest {
  private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
  private static final String NS = "envoy.filters.http.jwt_authn";
  private static TestTokens rsa;

  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.jwt_authn
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
          providers:
            rsa:
              issuer: https://issuer.example
              local_jwks: { inline_string: '%s' }
              payload_in_metadata: verified
              header_in_metadata: verified_header
              normalize_payload_in_metadata: { space_delimited_claims: [scope, missing] }
          rules:
          - match: { prefix: "/" }
            requires: { requires_any: { requirements: [{ provider_name: rsa }, { allow_missing: {} }] } }
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: ALLOW
            policies:
              alice-writes:
                permissions: [{ any: true }]
                principals:
                - and_ids:
                    ids:
                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [{ key: verified }, { key: iss }]
                        value: { string_match: { exact: https://issuer.example } }
                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [{ key: verified }, { key: sub }]
                        value: { string_match: { exact: alice } }
                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [{ key: verified }, { key: scope }]
                        value: { list_match: { one_of: { string_match: { exact: write } } } }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;

  @BeforeAll
  static void keys() throws Exception {
    rsa = TestTokens.rsa("k1");
  }

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  private StreamHarness send(String token) throws Exception {
    String yaml = HCM.formatted(rsa.jwks());
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml));
    FullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.buffer(0));
    r.headers().set("host", "example.com");
    if (token != null) {
      r.headers().set("authorization", "Bearer " + token);
    }
    harness.request(r);
    return harness;
  }

  private static String claims(String sub, String scope) {
    return "{\"iss\":\"https://issuer.example\",\"sub\":\"%s\",\"scope\":\"%s\",\"exp\":%d}"
        .formatted(sub, scope, NOW + 60);
  }

  @Test
  void theVerifiedPayloadAndHeaderAreInTheFiltersDynamicMetadataWithScopeAsAList()
      throws Exception {
    StreamHarness h = send(rsa.sign(claims("alice", "read  write")));

    assertThat(h.downstream.status()).isEqualTo(200);
    Struct metadata = h.info().dynamicMetadata().get(NS);
    Struct payload = metadata.getFieldsOrThrow("verified").getStructValue();
    assertThat(payload.getFieldsOrThrow("sub").getStringValue()).isEqualTo("alice");
    assertThat(payload.getFieldsOrThrow("scope").getListValue().getValuesList())
        .extracting(Value::getStringValue)
        .containsExactly("read", "write");
    assertThat(payload.containsFields("missing")).isFalse();
    Struct header = metadata.getFieldsOrThrow("verified_header").getStructValue();
    assertThat(header.getFieldsOrThrow("alg").getStringValue()).isEqualTo("RS256");
    assertThat(header.getFieldsOrThrow("kid").getStringValue()).isEqualTo("k1");
  }

  @Test
  void rbacAllowsTheCallerTheVerifiedTokenNamesAndDeniesAnother() throws Exception {
    assertThat(send(rsa.sign(claims("alice", "write"))).downstream.status()).isEqualTo(200);
    assertThat(send(rsa.sign(claims("bob", "write"))).downstream.status()).isEqualTo(403);
    assertThat(send(rsa.sign(claims("alice", "read"))).downstream.status()).isEqualTo(403);
  }

  @Test
  void aMissingTokenAllowedThroughLeavesNoMetadataSoRbacDenies() throws Exception {
    StreamHarness h = send(null);

    assertThat(h.info().dynamicMetadata()).doesNotContainKey(NS);
    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.info().responseCodeDetails()).startsWith("rbac_access_denied");
  }
}
