package io.attache.dataplane.filter.rbac;

import static io.attache.dataplane.filter.rbac.RbacConfigs.engine;
import static io.attache.dataplane.filter.rbac.RbacConfigs.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.rbac.RbacConfigs.Req;
import io.attache.dataplane.filter.rbac.RbacEngine.Decision;
import io.attache.dataplane.security.PeerIdentity;
import io.attache.dataplane.tls.TlsSession;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RbacEngineTest {

  /** An ALLOW engine with one policy {@code p} of one permission and one principal. */
  private static RbacEngine allowWhen(String permission, String principal) throws ConfigException {
    return engine(
        """
        rules:
          action: ALLOW
          policies:
            p:
              permissions: [ %s ]
              principals: [ %s ]
        """
            .formatted(permission, principal));
  }

  private static boolean permits(String permission, Req request) throws ConfigException {
    return allowWhen(permission, "{any: true}").evaluate(request.build()).decision()
        == Decision.ALLOWED;
  }

  private static boolean identifies(String principal, Req request) throws ConfigException {
    return allowWhen("{any: true}", principal).evaluate(request.build()).decision()
        == Decision.ALLOWED;
  }

  @Test
  void allowActionDeniesUnlessAPolicyMatches() throws Exception {
    RbacEngine engine =
        allowWhen("{header: {name: \":method\", string_match: {exact: POST}}}", "{any: true}");

    assertThat(engine.evaluate(request(HttpMethod.POST, "/").build()))
        .isEqualTo(new RbacEngine.Evaluation(Decision.ALLOWED, Optional.of("p")));
    assertThat(engine.evaluate(request(HttpMethod.GET, "/").build()))
        .isEqualTo(new RbacEngine.Evaluation(Decision.DENIED, Optional.empty()));
  }

  @Test
  void allowActionWithNoPoliciesDeniesEverything() throws Exception {
    RbacEngine engine = engine("rules: { action: ALLOW }");

    assertThat(engine.evaluate(request(HttpMethod.GET, "/").build()).decision())
        .isEqualTo(Decision.DENIED);
  }

  @Test
  void denyActionDeniesOnlyWhenAPolicyMatches() throws Exception {
    RbacEngine engine =
        engine(
            """
            rules:
              action: DENY
              policies:
                block-admin:
                  permissions: [ {url_path: {path: {prefix: /admin}}} ]
                  principals: [ {any: true} ]
            """);

    RbacEngine.Evaluation admin = engine.evaluate(request(HttpMethod.GET, "/admin/x").build());
    assertThat(admin.decision()).isEqualTo(Decision.DENIED);
    assertThat(admin.policyForLog()).isEqualTo("block-admin");
    assertThat(engine.evaluate(request(HttpMethod.GET, "/public").build()).decision())
        .isEqualTo(Decision.ALLOWED);
  }

  @Test
  void logActionAllowsEverythingAndReportsTheMatchedPolicy() throws Exception {
    RbacEngine engine =
        engine(
            """
            rules:
              action: LOG
              policies:
                audit-posts:
                  permissions: [ {header: {name: ":method", exact_match: POST}} ]
                  principals: [ {any: true} ]
            """);

    assertThat(engine.evaluate(request(HttpMethod.POST, "/").build()))
        .isEqualTo(new RbacEngine.Evaluation(Decision.ALLOWED, Optional.of("audit-posts")));
    assertThat(engine.evaluate(request(HttpMethod.GET, "/").build()))
        .isEqualTo(new RbacEngine.Evaluation(Decision.ALLOWED, Optional.empty()));
  }

  @Test
  void aPolicyNeedsAnyPermissionAndAnyPrincipal() throws Exception {
    RbacEngine engine =
        engine(
            """
            rules:
              action: ALLOW
              policies:
                p:
                  permissions:
                  - {url_path: {path: {exact: /a}}}
                  - {url_path: {path: {exact: /b}}}
                  principals:
                  - {header: {name: x-caller, string_match: {exact: alice}}}
                  - {direct_remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}
            """);

    assertThat(
            engine
                .evaluate(request(HttpMethod.GET, "/b").header("x-caller", "alice").build())
                .decision())
        .isEqualTo(Decision.ALLOWED);
    assertThat(
            engine.evaluate(request(HttpMethod.GET, "/a").from("192.168.4.4").build()).decision())
        .isEqualTo(Decision.ALLOWED);
    assertThat(
            engine
                .evaluate(request(HttpMethod.GET, "/c").header("x-caller", "alice").build())
                .decision())
        .as("principal matches but no permission does")
        .isEqualTo(Decision.DENIED);
    assertThat(
            engine
                .evaluate(request(HttpMethod.GET, "/a").header("x-caller", "bob").build())
                .decision())
        .as("permission matches but no principal does")
        .isEqualTo(Decision.DENIED);
  }

  @Test
  void reportsTheFirstMatchingPolicyInNameOrder() throws Exception {
    RbacEngine engine =
        engine(
            """
            rules:
              action: DENY
              policies:
                zeta: { permissions: [ {any: true} ], principals: [ {any: true} ] }
                alpha: { permissions: [ {any: true} ], principals: [ {any: true} ] }
                "with space": { permissions: [ {any: true} ], principals: [ {any: true} ] }
            """);

    assertThat(engine.evaluate(request(HttpMethod.GET, "/").build()).policyForLog())
        .isEqualTo("alpha");
  }

  @Test
  void policyNamesWithWhitespaceAreLoggedWithUnderscores() {
    assertThat(
            new RbacEngine.Evaluation(Decision.DENIED, Optional.of("no cross\tteam"))
                .policyForLog())
        .isEqualTo("no_cross_team");
    assertThat(new RbacEngine.Evaluation(Decision.DENIED, Optional.empty()).policyForLog())
        .isEqualTo("none");
  }

  // ------------------------------------------------------------------ permissions

  @Test
  void andRulesNeedEveryRuleOrRulesAnyNotRuleTheOpposite() throws Exception {
    String post = "{header: {name: \":method\", string_match: {exact: POST}}}";
    String charge = "{url_path: {path: {exact: /charge}}}";
    String and = "{and_rules: {rules: [ %s, %s ]}}".formatted(post, charge);
    String or = "{or_rules: {rules: [ %s, %s ]}}".formatted(post, charge);
    String not = "{not_rule: %s}".formatted(post);

    assertThat(permits(and, request(HttpMethod.POST, "/charge"))).isTrue();
    assertThat(permits(and, request(HttpMethod.POST, "/refund"))).isFalse();
    assertThat(permits(or, request(HttpMethod.GET, "/charge"))).isTrue();
    assertThat(permits(or, request(HttpMethod.GET, "/refund"))).isFalse();
    assertThat(permits(not, request(HttpMethod.GET, "/"))).isTrue();
    assertThat(permits(not, request(HttpMethod.POST, "/"))).isFalse();
  }

  @Test
  void headerPermissionSeesPseudoHeadersAndJoinsRepeatedValues() throws Exception {
    assertThat(
            permits(
                "{header: {name: \":path\", string_match: {exact: \"/x?y=1\"}}}",
                request(HttpMethod.GET, "/x?y=1")))
        .as(":path keeps the query")
        .isTrue();
    assertThat(
            permits(
                "{header: {name: \":authority\", string_match: {exact: api.local}}}",
                request(HttpMethod.GET, "/").header("host", "api.local")))
        .isTrue();
    assertThat(
            permits(
                "{header: {name: host, present_match: true}}",
                request(HttpMethod.GET, "/").header("host", "api.local")))
        .as("Host is only visible as :authority, as in Envoy")
        .isFalse();
    assertThat(
            permits(
                "{header: {name: \":scheme\", string_match: {exact: http}}}",
                request(HttpMethod.GET, "/")))
        .isTrue();
    assertThat(
            permits(
                "{header: {name: x-role, string_match: {exact: \"a,b\"}}}",
                request(HttpMethod.GET, "/").header("x-role", "a").header("x-role", "b")))
        .isTrue();
  }

  @Test
  void headerPermissionFollowsEnvoysMissingHeaderAndInversionRules() throws Exception {
    String inverted = "{header: {name: x-env, string_match: {exact: prod}, invert_match: true}}";
    assertThat(permits(inverted, request(HttpMethod.GET, "/").header("x-env", "dev"))).isTrue();
    assertThat(permits(inverted, request(HttpMethod.GET, "/")))
        .as("a missing header fails even an inverted value match")
        .isFalse();
    assertThat(
            permits(
                "{header: {name: x-env, string_match: {exact: \"\"},"
                    + " treat_missing_header_as_empty: true}}",
                request(HttpMethod.GET, "/")))
        .isTrue();
    String absent = "{header: {name: x-debug, present_match: true, invert_match: true}}";
    assertThat(permits(absent, request(HttpMethod.GET, "/"))).isTrue();
    assertThat(permits(absent, request(HttpMethod.GET, "/").header("x-debug", "1"))).isFalse();
  }

  @Test
  void headerPermissionSupportsTheLegacyMatchShortcuts() throws Exception {
    Req req = request(HttpMethod.GET, "/").header("x-v", "release-42");
    assertThat(permits("{header: {name: x-v, exact_match: release-42}}", req)).isTrue();
    assertThat(permits("{header: {name: x-v, prefix_match: release-}}", req)).isTrue();
    assertThat(permits("{header: {name: x-v, suffix_match: \"-42\"}}", req)).isTrue();
    assertThat(permits("{header: {name: x-v, contains_match: ease}}", req)).isTrue();
    assertThat(permits("{header: {name: x-v, safe_regex_match: {regex: \"rel.*\\\\d+\"}}}", req))
        .isTrue();
    assertThat(
            permits(
                "{header: {name: x-n, range_match: {start: 10, end: 20}}}",
                request(HttpMethod.GET, "/").header("x-n", "19")))
        .isTrue();
    assertThat(
            permits(
                "{header: {name: x-n, range_match: {start: 10, end: 20}}}",
                request(HttpMethod.GET, "/").header("x-n", "20")))
        .isFalse();
  }

  @Test
  void urlPathMatchesThePathWithoutQueryOrFragment() throws Exception {
    String charge = "{url_path: {path: {exact: /charge}}}";
    assertThat(permits(charge, request(HttpMethod.POST, "/charge?amount=5"))).isTrue();
    assertThat(permits(charge, request(HttpMethod.POST, "/charge#frag"))).isTrue();
    assertThat(permits(charge, request(HttpMethod.POST, "/charges"))).isFalse();
    assertThat(
            permits(
                "{url_path: {path: {prefix: /API/, ignore_case: true}}}",
                request(HttpMethod.GET, "/api/v1")))
        .isTrue();
  }

  @Test
  void destinationIpAndPortMatchTheAddressTheConnectionArrivedOn() throws Exception {
    Req req = request(HttpMethod.GET, "/").to("10.0.0.1", 8443);
    assertThat(permits("{destination_ip: {address_prefix: 10.0.0.0, prefix_len: 24}}", req))
        .isTrue();
    assertThat(permits("{destination_ip: {address_prefix: 10.0.1.0, prefix_len: 24}}", req))
        .isFalse();
    assertThat(permits("{destination_port: 8443}", req)).isTrue();
    assertThat(permits("{destination_port: 8080}", req)).isFalse();
    assertThat(permits("{destination_port_range: {start: 8000, end: 8444}}", req)).isTrue();
    assertThat(permits("{destination_port_range: {start: 8000, end: 8443}}", req))
        .as("the end of the range is exclusive")
        .isFalse();
  }

  // ------------------------------------------------------------------ principals

  @Test
  void andIdsOrIdsAndNotIdCombinePrincipals() throws Exception {
    String alice = "{header: {name: x-caller, string_match: {exact: alice}}}";
    String lan = "{direct_remote_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}";
    Req aliceFromLan = request(HttpMethod.GET, "/").header("x-caller", "alice").from("10.9.9.9");
    Req aliceFromOutside =
        request(HttpMethod.GET, "/").header("x-caller", "alice").from("203.0.113.7");

    String and = "{and_ids: {ids: [ %s, %s ]}}".formatted(alice, lan);
    assertThat(identifies(and, aliceFromLan)).isTrue();
    assertThat(identifies(and, aliceFromOutside)).isFalse();
    String or = "{or_ids: {ids: [ %s, %s ]}}".formatted(lan, alice);
    assertThat(identifies(or, aliceFromOutside)).isTrue();
    assertThat(identifies(or, request(HttpMethod.GET, "/").from("203.0.113.7"))).isFalse();
    String not = "{not_id: %s}".formatted(lan);
    assertThat(identifies(not, aliceFromOutside)).isTrue();
    assertThat(identifies(not, aliceFromLan)).isFalse();
  }

  @Test
  void directRemoteIpAndSourceIpAreTheSocketPeerWhateverTheTrustedClientAddress() throws Exception {
    Req forwarded = request(HttpMethod.GET, "/").from("10.1.2.3").client("198.51.100.9");
    assertThat(
            identifies("{direct_remote_ip: {address_prefix: 10.1.2.3, prefix_len: 32}}", forwarded))
        .isTrue();
    assertThat(identifies("{source_ip: {address_prefix: 10.1.2.3, prefix_len: 32}}", forwarded))
        .isTrue();
    assertThat(identifies("{source_ip: {address_prefix: 198.51.100.9, prefix_len: 32}}", forwarded))
        .isFalse();
  }

  @Test
  void remoteIpIsTheTrustedClientAddressTheConnectionManagerDecidedOn() throws Exception {
    String client = "{remote_ip: {address_prefix: 198.51.100.0, prefix_len: 24}}";
    Req viaXff =
        request(HttpMethod.GET, "/")
            .from("10.1.2.3")
            .header("x-forwarded-for", "203.0.113.1, 198.51.100.9")
            .client("198.51.100.9");
    assertThat(identifies(client, viaXff)).isTrue();

    Req peerIsClient =
        request(HttpMethod.GET, "/").from("10.1.2.3").header("x-forwarded-for", "198.51.100.9");
    assertThat(identifies(client, peerIsClient))
        .as("the header alone decides nothing: the connection manager reads it, not RBAC")
        .isFalse();
  }

  @Test
  void ipRangesNeverMatchAcrossAddressFamilies() throws Exception {
    assertThat(
            identifies(
                "{direct_remote_ip: {address_prefix: \"::\", prefix_len: 0}}",
                request(HttpMethod.GET, "/").from("10.0.0.1")))
        .isFalse();
    assertThat(
            identifies(
                "{direct_remote_ip: {address_prefix: \"2001:db8::\", prefix_len: 32}}",
                request(HttpMethod.GET, "/").from("2001:db8:1::5")))
        .isTrue();
    assertThat(
            identifies(
                "{direct_remote_ip: {address_prefix: 10.0.0.0}}",
                request(HttpMethod.GET, "/").from("192.0.2.1")))
        .as("no prefix_len is /0: every address of the family")
        .isTrue();
    assertThat(
            identifies(
                "{direct_remote_ip: {address_prefix: 10.0.0.128, prefix_len: 25}}",
                request(HttpMethod.GET, "/").from("10.0.0.127")))
        .isFalse();
  }

  @Test
  void headerAndUrlPathWorkAsPrincipalsToo() throws Exception {
    assertThat(
            identifies(
                "{header: {name: x-client-id, string_match: {prefix: billing-}}}",
                request(HttpMethod.GET, "/").header("x-client-id", "billing-7")))
        .isTrue();
    assertThat(
            identifies(
                "{url_path: {path: {suffix: .json}}}", request(HttpMethod.GET, "/a.json?x=1")))
        .isTrue();
  }

  @Test
  void authenticatedNeverMatchesAConnectionWithoutAVerifiedCertificate() throws Exception {
    assertThat(identifies("{authenticated: {}}", request(HttpMethod.GET, "/"))).isFalse();
    assertThat(
            identifies(
                "{authenticated: {principal_name: {exact: \"\"}}}", request(HttpMethod.GET, "/")))
        .as("an empty subject is not an identity")
        .isFalse();
    assertThat(identifies("{not_id: {authenticated: {}}}", request(HttpMethod.GET, "/"))).isTrue();
  }

  @Test
  void authenticatedMatchesUriSansThenDnsSansThenSubjectOfThePeerSetOnTheChannel()
      throws Exception {
    EmbeddedChannel connection = new EmbeddedChannel();
    TlsSession.set(
        connection,
        session(
            new PeerIdentity(
                List.of("spiffe://mesh.local/ns/shop/sa/checkout", "spiffe://mesh.local/alt"),
                List.of("checkout.shop.svc"),
                "CN=checkout,O=Shop")));
    PeerIdentity peer = TlsSession.of(connection).peer();

    assertThat(identifies("{authenticated: {}}", request(HttpMethod.GET, "/").peer(peer))).isTrue();
    assertThat(
            identifies(
                "{authenticated: {principal_name: {exact: \"spiffe://mesh.local/alt\"}}}",
                request(HttpMethod.GET, "/").peer(peer)))
        .as("every URI SAN is tried, not only the first")
        .isTrue();
    assertThat(
            identifies(
                "{authenticated: {principal_name: {suffix: .shop.svc}}}",
                request(HttpMethod.GET, "/").peer(peer)))
        .isTrue();
    assertThat(
            identifies(
                "{authenticated: {principal_name: {exact: \"CN=checkout,O=Shop\"}}}",
                request(HttpMethod.GET, "/").peer(peer)))
        .isTrue();
    assertThat(
            identifies(
                "{authenticated: {principal_name: {exact: \"spiffe://mesh.local/ns/shop/sa/cart\"}}}",
                request(HttpMethod.GET, "/").peer(peer)))
        .isFalse();
    connection.finishAndReleaseAll();
  }

  @Test
  void authenticatedReadsTheParentConnectionOfAnHttp2StreamChannel() throws Exception {
    EmbeddedChannel connection = new EmbeddedChannel();
    TlsSession.set(connection, session(new PeerIdentity(List.of(), List.of("db.internal"), "")));
    EmbeddedChannel stream = new EmbeddedChannel(connection, connection.id(), true, false);

    assertThat(
            identifies(
                "{authenticated: {principal_name: {exact: db.internal}}}",
                request(HttpMethod.GET, "/").peer(TlsSession.of(stream).peer())))
        .isTrue();
    stream.finishAndReleaseAll();
    connection.finishAndReleaseAll();
  }

  /** Istio's {@code requestPrincipals: ["iss/sub"]}: both claims of the verified payload. */
  private static final String REQUEST_PRINCIPAL =
      "{and_ids: {ids: ["
          + "{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: iss}],"
          + " value: {string_match: {exact: \"https://issuer.test\"}}}},"
          + "{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],"
          + " value: {string_match: {exact: alice}}}}]}}";

  private static Struct payload(String iss, String sub) {
    Struct claims =
        Struct.newBuilder()
            .putFields("iss", Value.newBuilder().setStringValue(iss).build())
            .putFields("sub", Value.newBuilder().setStringValue(sub).build())
            .build();
    return Struct.newBuilder()
        .putFields("payload", Value.newBuilder().setStructValue(claims).build())
        .build();
  }

  @Test
  void aMetadataPrincipalMatchesTheVerifiedTokenAnEarlierFilterWrote() throws Exception {
    Req alice =
        request(HttpMethod.GET, "/")
            .metadata("envoy.filters.http.jwt_authn", payload("https://issuer.test", "alice"));
    Req mallory =
        request(HttpMethod.GET, "/")
            .metadata("envoy.filters.http.jwt_authn", payload("https://issuer.test", "mallory"));
    Req otherIssuer =
        request(HttpMethod.GET, "/")
            .metadata("envoy.filters.http.jwt_authn", payload("https://evil.test", "alice"));

    assertThat(identifies(REQUEST_PRINCIPAL, alice)).isTrue();
    assertThat(identifies(REQUEST_PRINCIPAL, mallory)).isFalse();
    assertThat(identifies(REQUEST_PRINCIPAL, otherIssuer)).isFalse();
    // A header claiming the same identity is not metadata: without a verified token, no match.
    assertThat(
            identifies(
                REQUEST_PRINCIPAL, request(HttpMethod.GET, "/").header("x-jwt-sub", "alice")))
        .isFalse();
  }

  @Test
  void dynamicSourcedMetadataAndPermissionMetadataMatchTheSameValues() throws Exception {
    Req tenant =
        request(HttpMethod.GET, "/")
            .metadata(
                "envoy.lb",
                Struct.newBuilder()
                    .putFields("tenant", Value.newBuilder().setStringValue("blue").build())
                    .build());
    String matcher =
        "{filter: envoy.lb, path: [{key: tenant}], value: {string_match: {exact: blue}}}";

    assertThat(permits("{metadata: " + matcher + "}", tenant)).isTrue();
    assertThat(permits("{sourced_metadata: {metadata_matcher: " + matcher + "}}", tenant)).isTrue();
    assertThat(identifies("{sourced_metadata: {metadata_matcher: " + matcher + "}}", tenant))
        .isTrue();
    assertThat(permits("{metadata: " + matcher + "}", request(HttpMethod.GET, "/"))).isFalse();
  }

  private static TlsSession session(PeerIdentity peer) {
    return new TlsSession(peer, List.of(), List.of());
  }
}
