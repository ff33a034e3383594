package io.attache.dataplane.trust;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The connection manager's trust rules, header by header. Every expectation here was observed on a
 * stock Envoy 1.40.0 with the same settings (requests from curl through a listener to an echo
 * upstream): which headers reached the upstream and with what value.
 */
class RequestTrustTest {
  /** Every x-envoy control header a client could try to set. */
  private static final List<String> CONTROL_HEADERS =
      List.of(
          "x-envoy-retry-on",
          "x-envoy-retry-grpc-on",
          "x-envoy-max-retries",
          "x-envoy-retriable-status-codes",
          "x-envoy-retriable-header-names",
          "x-envoy-upstream-rq-timeout-ms",
          "x-envoy-upstream-rq-per-try-timeout-ms",
          "x-envoy-upstream-rq-timeout-alt-response",
          "x-envoy-expected-rq-timeout-ms",
          "x-envoy-hedge-on-per-try-timeout",
          "x-envoy-upstream-alt-stat-name",
          "x-envoy-force-trace",
          "x-envoy-ip-tags",
          "x-envoy-original-url");

  private static final List<String> CALLER_IDENTITY_HEADERS =
      List.of(
          "x-envoy-decorator-operation",
          "x-envoy-downstream-service-cluster",
          "x-envoy-downstream-service-node");

  private static final InetSocketAddress LOOPBACK_PEER = new InetSocketAddress("127.0.0.1", 50000);

  /** The server's own address, as {@link LocalAddress} would find it. */
  private static final InetAddress SERVER = address("192.0.2.2");

  private static final InetSocketAddress PUBLIC_PEER = new InetSocketAddress("203.0.113.7", 50000);

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static HttpHeaders forged() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("x-envoy-internal", "true");
    h.set("x-envoy-external-address", "1.2.3.4");
    h.set("x-envoy-original-path", "/z");
    CONTROL_HEADERS.forEach(name -> h.set(name, "5"));
    CALLER_IDENTITY_HEADERS.forEach(name -> h.set(name, "forged"));
    return h;
  }

  private static InternalAddressConfig internal(String prefix, int len) throws ConfigException {
    return InternalAddressConfig.from(
        HttpConnectionManager.newBuilder()
            .setInternalAddressConfig(
                HttpConnectionManager.InternalAddressConfig.newBuilder()
                    .addCidrRanges(
                        CidrRange.newBuilder()
                            .setAddressPrefix(prefix)
                            .setPrefixLen(com.google.protobuf.UInt32Value.of(len))))
            .build(),
        "hcm");
  }

  private static RequestTrust trust(
      boolean useRemoteAddress, int hops, InternalAddressConfig internal) {
    return new RequestTrust(useRemoteAddress, hops, false, internal, List.of(), SERVER);
  }

  @Test
  void aClientNeverSetsXEnvoyInternalItself() {
    HttpHeaders h = forged();

    RequestOrigin origin =
        trust(false, 0, InternalAddressConfig.NONE).apply(h, LOOPBACK_PEER, "http");

    assertThat(origin.internal()).isFalse();
    assertThat(h.contains("x-envoy-internal")).isFalse();
  }

  @Test
  void withoutInternalAddressConfigNoAddressIsInternalNotEvenLoopbackOrRfc1918() {
    for (String xff : List.of("10.0.0.1", "127.0.0.1", "192.168.1.1")) {
      HttpHeaders h = forged();
      h.set("x-forwarded-for", xff);
      assertThat(trust(false, 0, InternalAddressConfig.NONE).apply(h, LOOPBACK_PEER, "http"))
          .as(xff)
          .extracting(RequestOrigin::internal)
          .isEqualTo(false);
    }
    HttpHeaders h = forged();
    assertThat(trust(true, 0, InternalAddressConfig.NONE).apply(h, LOOPBACK_PEER, "http").edge())
        .as("use_remote_address with a loopback peer is an edge request too")
        .isTrue();
  }

  @Test
  void anExternalRequestLosesEveryControlHeaderButKeepsCallerIdentityWhenNotAtTheEdge() {
    HttpHeaders h = forged();

    RequestOrigin origin =
        trust(false, 0, InternalAddressConfig.NONE).apply(h, LOOPBACK_PEER, "http");

    assertThat(origin.edge()).isFalse();
    CONTROL_HEADERS.forEach(name -> assertThat(h.contains(name)).as(name).isFalse());
    CALLER_IDENTITY_HEADERS.forEach(name -> assertThat(h.get(name)).as(name).isEqualTo("forged"));
    assertThat(h.get("x-envoy-external-address")).isEqualTo("1.2.3.4");
    assertThat(h.contains("x-envoy-original-path"))
        .as("a caller's own x-envoy-original-path is dropped, as Envoy 1.40 drops it")
        .isFalse();
    assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
  }

  @Test
  void aClientAddressReadFromXForwardedForHasPortZeroAndThePeersKeepsItsPort() {
    HttpHeaders forwarded = new DefaultHttpHeaders().set("x-forwarded-for", "198.51.100.4");
    HttpHeaders direct = new DefaultHttpHeaders();

    RequestOrigin fromXff =
        trust(false, 0, InternalAddressConfig.NONE).apply(forwarded, PUBLIC_PEER, "http");
    RequestOrigin fromPeer =
        trust(false, 0, InternalAddressConfig.NONE).apply(direct, PUBLIC_PEER, "http");

    assertThat(fromXff.client()).isEqualTo(new InetSocketAddress("198.51.100.4", 0));
    assertThat(fromPeer.client()).isEqualTo(PUBLIC_PEER);
  }

  @Test
  void anEdgeRequestAlsoLosesCallerIdentityAndGetsTheRealExternalAddress() {
    HttpHeaders h = forged();

    RequestOrigin origin =
        trust(true, 0, InternalAddressConfig.NONE).apply(h, PUBLIC_PEER, "https");

    assertThat(origin.edge()).isTrue();
    assertThat(origin.clientAddress().getHostAddress()).isEqualTo("203.0.113.7");
    CONTROL_HEADERS.forEach(name -> assertThat(h.contains(name)).as(name).isFalse());
    CALLER_IDENTITY_HEADERS.forEach(name -> assertThat(h.contains(name)).as(name).isFalse());
    assertThat(h.get("x-envoy-external-address")).isEqualTo("203.0.113.7");
    assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.7");
    assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
  }

  @Test
  void anInternalRequestKeepsItsControlHeadersAndIsMarkedByTheProxy() throws Exception {
    HttpHeaders h = forged();

    RequestOrigin origin = trust(true, 0, internal("127.0.0.0", 8)).apply(h, LOOPBACK_PEER, "http");

    assertThat(origin.internal()).isTrue();
    assertThat(origin.edge()).isFalse();
    assertThat(h.get("x-envoy-internal")).isEqualTo("true");
    CONTROL_HEADERS.forEach(name -> assertThat(h.get(name)).as(name).isEqualTo("5"));
    CALLER_IDENTITY_HEADERS.forEach(name -> assertThat(h.get(name)).as(name).isEqualTo("forged"));
    assertThat(h.get("x-envoy-external-address")).isEqualTo("1.2.3.4");
  }

  @Test
  void underUseRemoteAddressAnyForwardedForMakesAnInternalPeerExternal() throws Exception {
    HttpHeaders h = forged();
    h.set("x-forwarded-for", "127.0.0.1");

    RequestOrigin origin = trust(true, 0, internal("127.0.0.0", 8)).apply(h, LOOPBACK_PEER, "http");

    assertThat(origin.internal()).isFalse();
    assertThat(origin.edge()).isTrue();
    assertThat(h.get("x-forwarded-for"))
        .as("Envoy records its own address for a loopback peer")
        .isEqualTo("127.0.0.1,192.0.2.2");
    CONTROL_HEADERS.forEach(name -> assertThat(h.contains(name)).as(name).isFalse());
  }

  @Test
  void withoutUseRemoteAddressOnlyASingleInternalForwardedForAddressIsInternal() throws Exception {
    RequestTrust trust = trust(false, 0, internal("10.0.0.0", 8));

    HttpHeaders single = forged();
    single.set("x-forwarded-for", "10.1.1.1");
    assertThat(trust.apply(single, PUBLIC_PEER, "http").internal()).isTrue();
    assertThat(single.get("x-envoy-retry-on")).isEqualTo("5");

    HttpHeaders two = forged();
    two.set("x-forwarded-for", "10.1.1.1, 10.2.2.2");
    assertThat(trust.apply(two, PUBLIC_PEER, "http").internal()).isFalse();
    assertThat(two.contains("x-envoy-retry-on")).isFalse();

    HttpHeaders none = forged();
    assertThat(trust.apply(none, new InetSocketAddress("10.9.9.9", 1), "http").internal())
        .as("no x-forwarded-for: external even from an internal peer")
        .isFalse();
  }

  @Test
  void trustedHopsTakeTheClientFromForwardedForAndKeepTheTrustedProxysScheme() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("x-forwarded-for", "198.51.100.9");
    h.set("x-forwarded-proto", "https");

    RequestOrigin origin = trust(true, 1, InternalAddressConfig.NONE).apply(h, PUBLIC_PEER, "http");

    assertThat(origin.clientAddress().getHostAddress()).isEqualTo("198.51.100.9");
    assertThat(h.get("x-envoy-external-address")).isEqualTo("198.51.100.9");
    assertThat(h.get("x-forwarded-for")).isEqualTo("198.51.100.9,203.0.113.7");
    assertThat(h.get("x-forwarded-proto")).isEqualTo("https");

    HttpHeaders untrusted = new DefaultHttpHeaders();
    untrusted.set("x-forwarded-proto", "https");
    trust(true, 0, InternalAddressConfig.NONE).apply(untrusted, PUBLIC_PEER, "http");
    assertThat(untrusted.get("x-forwarded-proto")).isEqualTo("http");
  }

  @Test
  void withoutUseRemoteAddressTrustedHopsSkipTheLastEntries() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("x-forwarded-for", "198.51.100.9, 10.0.0.5");
    h.add("x-forwarded-for", "10.0.0.6");

    RequestOrigin origin =
        trust(false, 2, InternalAddressConfig.NONE).apply(h, PUBLIC_PEER, "http");

    assertThat(origin.clientAddress().getHostAddress()).isEqualTo("198.51.100.9");
    assertThat(h.get("x-forwarded-for")).as("not appended").isEqualTo("198.51.100.9, 10.0.0.5");
  }

  @Test
  void aForwardedForThatIsNotAnAddressLeavesTheSocketPeerAsClient() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("x-forwarded-for", "not-an-ip");

    RequestOrigin origin =
        trust(false, 0, InternalAddressConfig.NONE).apply(h, PUBLIC_PEER, "http");

    assertThat(origin.clientAddress().getHostAddress()).isEqualTo("203.0.113.7");
  }

  @Test
  void internalOnlyHeadersOfTheRouteConfigurationAreStrippedFromExternalRequests()
      throws Exception {
    RequestTrust trust =
        new RequestTrust(
            true, 0, false, internal("127.0.0.0", 8), List.of("x-tenant-admin"), SERVER);

    HttpHeaders external = new DefaultHttpHeaders();
    external.set("x-tenant-admin", "yes");
    trust.apply(external, PUBLIC_PEER, "http");
    assertThat(external.contains("x-tenant-admin")).isFalse();

    HttpHeaders fromInside = new DefaultHttpHeaders();
    fromInside.set("x-tenant-admin", "yes");
    trust.apply(fromInside, LOOPBACK_PEER, "http");
    assertThat(fromInside.get("x-tenant-admin")).isEqualTo("yes");
  }

  @Test
  void skipXffAppendLeavesForwardedForAlone() {
    HttpHeaders h = new DefaultHttpHeaders();
    new RequestTrust(true, 0, true, InternalAddressConfig.NONE, List.of(), SERVER)
        .apply(h, PUBLIC_PEER, "http");

    assertThat(h.contains("x-forwarded-for")).isFalse();
  }

  @Test
  void aLoopbackPeerIsRecordedInForwardedForAsTheServersOwnAddress() {
    HttpHeaders fromLoopback = new DefaultHttpHeaders();
    fromLoopback.set("x-forwarded-for", "198.51.100.9");
    trust(true, 0, InternalAddressConfig.NONE).apply(fromLoopback, LOOPBACK_PEER, "http");
    assertThat(fromLoopback.get("x-forwarded-for")).isEqualTo("198.51.100.9,192.0.2.2");

    HttpHeaders fromElsewhere = new DefaultHttpHeaders();
    trust(true, 0, InternalAddressConfig.NONE).apply(fromElsewhere, PUBLIC_PEER, "http");
    assertThat(fromElsewhere.get("x-forwarded-for")).isEqualTo("203.0.113.7");
  }
}
