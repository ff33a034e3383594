package io.attache.dataplane.router;

import static io.attache.dataplane.router.TestConfigs.cluster;
import static io.attache.dataplane.router.TestConfigs.get;
import static io.attache.dataplane.router.TestConfigs.route;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DomainSelectionTest {
  private static String vhost(String name, String domains) {
    return "{\"name\":\""
        + name
        + "\",\"domains\":"
        + domains
        + ",\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\""
        + name
        + "\"}}]}";
  }

  private static final RouteTable TABLE =
      TestConfigs.table(
          "{\"virtual_hosts\":["
              + vhost("exact", "[\"www.foo.com\"]")
              + ","
              + vhost("suffix", "[\"*.foo.com\"]")
              + ","
              + vhost("longsuffix", "[\"*-bar.foo.com\"]")
              + ","
              + vhost("prefix", "[\"foo.*\"]")
              + ","
              + vhost("longprefix", "[\"foo.bar.*\"]")
              + ","
              + vhost("withport", "[\"api.example.com:8080\"]")
              + ","
              + vhost("default", "[\"*\"]")
              + "]}");

  @Test
  void exactDomainWinsOverWildcards() {
    assertThat(cluster(route(TABLE, get("www.foo.com", "/")))).isEqualTo("exact");
  }

  @Test
  void longestSuffixWildcardWins() {
    assertThat(cluster(route(TABLE, get("baz-bar.foo.com", "/")))).isEqualTo("longsuffix");
    assertThat(cluster(route(TABLE, get("baz.foo.com", "/")))).isEqualTo("suffix");
  }

  @Test
  void wildcardNeverMatchesTheEmptyString() {
    assertThat(cluster(route(TABLE, get("-bar.foo.com", "/")))).isEqualTo("suffix");
    assertThat(cluster(route(TABLE, get(".foo.com", "/")))).isEqualTo("default");
  }

  @Test
  void suffixWildcardBeatsPrefixWildcard() {
    assertThat(cluster(route(TABLE, get("foo.foo.com", "/")))).isEqualTo("suffix");
  }

  @Test
  void longestPrefixWildcardWins() {
    assertThat(cluster(route(TABLE, get("foo.bar.org", "/")))).isEqualTo("longprefix");
    assertThat(cluster(route(TABLE, get("foo.org", "/")))).isEqualTo("prefix");
  }

  @Test
  void catchAllTakesTheRest() {
    assertThat(cluster(route(TABLE, get("other.org", "/")))).isEqualTo("default");
  }

  @Test
  void domainsAreCaseInsensitive() {
    assertThat(cluster(route(TABLE, get("WWW.Foo.COM", "/")))).isEqualTo("exact");
  }

  @Test
  void portIsPartOfTheHostByDefaultAsInEnvoy() {
    // Envoy does not retry without the port: www.foo.com:80 is not www.foo.com.
    assertThat(cluster(route(TABLE, get("www.foo.com:80", "/")))).isEqualTo("default");
    assertThat(cluster(route(TABLE, get("api.example.com:8080", "/")))).isEqualTo("withport");
  }

  @Test
  void ignorePortInHostMatchingDropsThePortForSelectionOnly() {
    RouteTable table =
        TestConfigs.table(
            "{\"ignore_port_in_host_matching\":true,\"virtual_hosts\":["
                + vhost("exact", "[\"www.foo.com\"]")
                + ","
                + vhost("v6", "[\"[::1]\"]")
                + "]}");
    assertThat(cluster(route(table, get("www.foo.com:8443", "/")))).isEqualTo("exact");
    assertThat(cluster(route(table, get("[::1]:80", "/")))).isEqualTo("v6");
    assertThat(cluster(route(table, get("[::1]", "/")))).isEqualTo("v6");
  }

  @Test
  void hcmStripAnyHostPortStripsBeforeMatching() throws Exception {
    RouteTable table =
        RouteTable.compile(
            TestConfigs.parse("{\"virtual_hosts\":[" + vhost("exact", "[\"www.foo.com\"]") + "]}"),
            "route_config",
            new RouteTableOptions(RouteTableOptions.HostPortStripping.STRIP_ANY_HOST_PORT, 0));
    assertThat(cluster(route(table, get("www.foo.com:1234", "/")))).isEqualTo("exact");
    assertThat(table.effectiveAuthority(get("www.foo.com:1234", "/"))).isEqualTo("www.foo.com");
  }

  @Test
  void hcmStripMatchingHostPortStripsOnlyTheListenerPort() throws Exception {
    RouteTable table =
        RouteTable.compile(
            TestConfigs.parse("{\"virtual_hosts\":[" + vhost("exact", "[\"www.foo.com\"]") + "]}"),
            "route_config",
            new RouteTableOptions(
                RouteTableOptions.HostPortStripping.STRIP_MATCHING_HOST_PORT, 15001));
    assertThat(cluster(route(table, get("www.foo.com:15001", "/")))).isEqualTo("exact");
    assertThat(route(table, get("www.foo.com:80", "/"))).isInstanceOf(RouteDecision.NoRoute.class);
  }

  @Test
  void noMatchingVirtualHostIsNoRoute() {
    RouteTable table =
        TestConfigs.table("{\"virtual_hosts\":[" + vhost("exact", "[\"www.foo.com\"]") + "]}");
    RouteDecision decision = route(table, get("nope.com", "/"));
    assertThat(decision).isEqualTo(RouteDecision.NoRoute.INSTANCE);
    assertThat(((RouteDecision.NoRoute) decision).status()).isEqualTo(404);
  }

  @Test
  void aLoneCatchAllAcceptsRequestsWithoutHost() {
    RouteTable table =
        TestConfigs.table("{\"virtual_hosts\":[" + vhost("default", "[\"*\"]") + "]}");
    assertThat(cluster(route(table, get(null, "/")))).isEqualTo("default");
    assertThat(route(TABLE, get(null, "/"))).isEqualTo(RouteDecision.NoRoute.INSTANCE);
  }
}
