package io.attache.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.listenerfilter.ConnectionPropertiesForTests;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A listener's {@code filter_chain_matcher} choosing the chain, table by table, from listener YAML
 * shaped as Envoy's own docs write it (listener_complicated, listener_tls, listener_vip). Each
 * chain is a tcp_proxy to a cluster named after the chain, so the chosen chain is read off its
 * cluster; empty means the connection is closed (no_filter_chain_match).
 */
class FilterChainMatcherTest {

  /** Chains named {@code names}, each with a filter_chain_match that would pick {@code nothing}. */
  private static ListenerConfig listener(String matcherYaml, String... names)
      throws ConfigException {
    return listener(matcherYaml, false, names);
  }

  private static ListenerConfig listener(
      String matcherYaml, boolean withDefaultChain, String... names) throws ConfigException {
    StringBuilder chains = new StringBuilder();
    for (String name : names) {
      chains.append(
          """
          - name: %s
            filter_chain_match: { destination_port: 1 }
            filters:
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: %s
                cluster: %s
          """
              .formatted(name, name, name));
    }
    String defaultChain =
        withDefaultChain
            ? """
              default_filter_chain:
                filters:
                - name: envoy.filters.network.tcp_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    stat_prefix: fallback
                    cluster: fallback
              """
            : "";
    String yaml =
        """
        static_resources:
          listeners:
          - name: l
            address: { socket_address: { address: 0.0.0.0, port_value: 15000 } }
            filter_chains:
        %s
        %s
            filter_chain_matcher:
        %s
        """
            .formatted(
                indent(chains.toString(), 4), indent(defaultChain, 4), indent(matcherYaml, 6));
    Bootstrap b = BootstrapLoader.parse(yaml, false);
    return ListenerConfig.from(
        b.getStaticResources().getListeners(0), "static_resources.listeners[0]");
  }

  private static String indent(String text, int spaces) {
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  /** An on_match naming {@code chain}. */
  private static String action(String chain) {
    return """
        action:
          name: %s
          typed_config:
            "@type": type.googleapis.com/google.protobuf.StringValue
            value: %s
        """
        .formatted(chain, chain);
  }

  private static String input(String type) {
    return """
        input:
          name: %s
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.%s
        """
        .formatted(type, type);
  }

  /** A connection from {@code from} to {@code to} with what the inspectors found. */
  private record Conn(String from, String to, String sni, String transport, List<String> alpn) {
    static Conn of(String from, String to) {
      return new Conn(from, to, "", "raw_buffer", List.of());
    }

    ConnectionProperties properties() {
      return ConnectionPropertiesForTests.of(address(from), address(to), sni, transport, alpn);
    }

    @Override
    public String toString() {
      return from + " -> " + to + " sni=" + sni + " " + transport + " " + alpn;
    }
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static Optional<String> selected(ListenerConfig l, Conn c) {
    return l.filterChains()
        .select(c.properties())
        .map(chain -> chain.tcpProxy().orElseThrow().clusters().get(0).name());
  }

  /** listener_complicated.yaml's matcher: port 80 → http; 443 → internal or tls by source IP. */
  private static final String COMPLICATED =
      "matcher_tree:\n"
          + indent(input("DestinationPortInput"), 2)
          + """
            exact_match_map:
              map:
                "80":
          """
          + indent(action("http"), 8)
          + """
                "443":
                  matcher:
                    matcher_tree:
          """
          + indent(input("SourceIPInput"), 12)
          + """
                      custom_match:
                        name: ip-matcher
                        typed_config:
                          "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                          range_matchers:
                          - ranges:
                            - address_prefix: 192.0.0.0
                              prefix_len: 2
                            - address_prefix: 10.0.0.0
                              prefix_len: 24
                            on_match:
          """
          + indent(action("internal"), 20)
          + """
                          - ranges:
                            - address_prefix: 0.0.0.0
                            on_match:
          """
          + indent(action("tls"), 20);

  static Stream<Arguments> complicated() {
    return Stream.of(
        Arguments.of(Conn.of("203.0.113.7:5000", "10.1.2.3:80"), "http"),
        Arguments.of(Conn.of("10.0.0.9:5000", "10.1.2.3:443"), "internal"),
        // 192.0.0.0/2 is 192.0.0.0 to 255.255.255.255.
        Arguments.of(Conn.of("203.0.113.7:5000", "10.1.2.3:443"), "internal"),
        Arguments.of(Conn.of("10.0.1.9:5000", "10.1.2.3:443"), "tls"),
        Arguments.of(Conn.of("150.1.2.3:5000", "10.1.2.3:443"), "tls"),
        // An IPv6 client is in no IPv4 range.
        Arguments.of(Conn.of("[2001:db8::1]:5000", "10.1.2.3:443"), null),
        Arguments.of(Conn.of("203.0.113.7:5000", "10.1.2.3:8080"), null));
  }

  @ParameterizedTest(name = "{0} takes {1}")
  @MethodSource("complicated")
  void theDestinationPortThenTheLongestSourceRangeChooseTheChain(Conn conn, String chain)
      throws Exception {
    ListenerConfig l = listener(COMPLICATED, "http", "internal", "tls");

    assertThat(selected(l, conn)).isEqualTo(Optional.ofNullable(chain));
  }

  @Test
  void noMatchTakesTheDefaultFilterChainAndTheChainsOwnFilterChainMatchIsIgnored()
      throws Exception {
    ListenerConfig l = listener(COMPLICATED, true, "http", "internal", "tls");

    // Every chain's filter_chain_match says destination_port 1: ignored under a matcher.
    assertThat(selected(l, Conn.of("203.0.113.7:5000", "10.1.2.3:80"))).hasValue("http");
    assertThat(selected(l, Conn.of("203.0.113.7:5000", "10.1.2.3:1"))).hasValue("fallback");
  }

  static Stream<Arguments> transportProtocol() {
    return Stream.of(
        Arguments.of(new Conn("1.2.3.4:1", "5.6.7.8:8443", "a.example", "tls", List.of()), "tls"),
        Arguments.of(Conn.of("1.2.3.4:1", "5.6.7.8:8443"), "plaintext"));
  }

  @ParameterizedTest(name = "{0} takes {1}")
  @MethodSource("transportProtocol")
  void theTransportProtocolChoosesAndOnNoMatchTakesTheRest(Conn conn, String chain)
      throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("TransportProtocolInput"), 2)
            + "  exact_match_map:\n    map:\n      \"tls\":\n"
            + indent(action("tls"), 8)
            + "on_no_match:\n"
            + indent(action("plaintext"), 2);
    ListenerConfig l = listener(matcher, "tls", "plaintext");

    assertThat(selected(l, conn)).hasValue(chain);
  }

  static Stream<Arguments> destinationIpPrefix() {
    return Stream.of(
        Arguments.of(Conn.of("1.2.3.4:1", "10.0.0.7:15000"), "vip"),
        Arguments.of(Conn.of("1.2.3.4:1", "10.0.1.7:15000"), "default"),
        Arguments.of(Conn.of("1.2.3.4:1", "110.0.0.7:15000"), "default"));
  }

  @ParameterizedTest(name = "{0} takes {1}")
  @MethodSource("destinationIpPrefix")
  void theDestinationIpIsMatchedAsTextByPrefix(Conn conn, String chain) throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("DestinationIPInput"), 2)
            + "  prefix_match_map:\n    map:\n      \"10.0.0.\":\n"
            + indent(action("vip"), 8)
            + "on_no_match:\n"
            + indent(action("default"), 2);
    ListenerConfig l = listener(matcher, "vip", "default");

    assertThat(selected(l, conn)).hasValue(chain);
  }

  static Stream<Arguments> inputsAsEnvoyPrintsThem() {
    Conn tls = new Conn("[::1]:4000", "[::1]:15000", "api.example.com", "tls", List.of("h2", "x"));
    return Stream.of(
        Arguments.of("DestinationIPInput", "::1", tls),
        Arguments.of("DestinationPortInput", "15000", tls),
        Arguments.of("SourceIPInput", "::1", tls),
        Arguments.of("SourcePortInput", "4000", tls),
        Arguments.of("DirectSourceIPInput", "::1", tls),
        Arguments.of("SourceTypeInput", "local", tls),
        Arguments.of("ServerNameInput", "api.example.com", tls),
        Arguments.of("TransportProtocolInput", "tls", tls),
        Arguments.of("ApplicationProtocolInput", "'h2','x'", tls),
        Arguments.of("TransportProtocolInput", "raw_buffer", Conn.of("1.2.3.4:1", "5.6.7.8:2")));
  }

  @ParameterizedTest(name = "{0} reads {1}")
  @MethodSource("inputsAsEnvoyPrintsThem")
  void eachNetworkInputReadsTheValueEnvoysDoes(String input, String value, Conn conn)
      throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input(input), 2)
            + "  exact_match_map:\n    map:\n      \""
            + value
            + "\":\n"
            + indent(action("hit"), 8);
    ListenerConfig l = listener(matcher, "hit");

    assertThat(selected(l, conn)).hasValue("hit");
  }

  static Stream<Arguments> absentValues() {
    Conn plain = Conn.of("203.0.113.7:1", "10.1.2.3:2");
    return Stream.of(
        Arguments.of("ServerNameInput", plain),
        Arguments.of("ApplicationProtocolInput", plain),
        Arguments.of("SourceTypeInput", plain));
  }

  @ParameterizedTest(name = "{0} has no value")
  @MethodSource("absentValues")
  void anInputWithNoValueMatchesNothingNotEvenAnEmptyKey(String input, Conn conn) throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input(input), 2)
            + "  exact_match_map:\n    map:\n      \"\":\n"
            + indent(action("hit"), 8)
            + "on_no_match:\n"
            + indent(action("miss"), 2);
    ListenerConfig l = listener(matcher, "hit", "miss");

    assertThat(selected(l, conn)).hasValue("miss");
  }

  @Test
  void anActionNamingNoChainClosesTheConnectionRatherThanTakingTheDefault() throws Exception {
    String matcher = "matcher_tree:\n" + indent(input("DestinationPortInput"), 2);
    matcher += "  exact_match_map:\n    map:\n      \"80\":\n" + indent(action("gone"), 8);
    ListenerConfig l = listener(matcher, true, "http");

    assertThat(selected(l, Conn.of("1.2.3.4:1", "5.6.7.8:80"))).isEmpty();
    assertThat(selected(l, Conn.of("1.2.3.4:1", "5.6.7.8:81"))).hasValue("fallback");
  }

  @Test
  void anExclusiveRangeIsTriedOnlyWhenItIsTheLongest() throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("SourceIPInput"), 2)
            + """
              custom_match:
                name: ip
                typed_config:
                  "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                  range_matchers:
                  - ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }]
                    exclusive: true
                    on_match:
            """
            + indent(action("wide"), 10)
            + """
                  - ranges: [{ address_prefix: 10.1.0.0, prefix_len: 16 }]
                    on_match:
                      matcher:
                        matcher_tree:
            """
            + indent(input("DestinationPortInput"), 14)
            + "              exact_match_map:\n                map:\n                  \"80\":\n"
            + indent(action("narrow"), 20);
    ListenerConfig l = listener(matcher, "wide", "narrow");

    assertThat(selected(l, Conn.of("10.1.2.3:1", "5.6.7.8:80"))).hasValue("narrow");
    // The /16's nested matcher decides nothing; the /8 is exclusive and not the longest.
    assertThat(selected(l, Conn.of("10.1.2.3:1", "5.6.7.8:81"))).isEmpty();
    assertThat(selected(l, Conn.of("10.2.2.3:1", "5.6.7.8:81"))).hasValue("wide");
  }

  @Test
  void chainsWithTheSameFilterChainMatchAreAllowedUnderAMatcher() throws Exception {
    // Every chain of listener() has the same filter_chain_match; without a matcher that is refused.
    ListenerConfig l = listener(COMPLICATED, "http", "internal", "tls");

    assertThat(l.filterChains().chains()).hasSize(3);
  }

  @Test
  void everyChainNeedsANameUnderAMatcher() {
    assertThatThrownBy(() -> listener(COMPLICATED, "http", "", "tls"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].filter_chains[1].name")
        .hasMessageContaining("filter_chain_matcher");
  }

  @Test
  void anActionThatIsNotAChainNameIsRefusedNamingItsPath() {
    String matcher =
        "matcher_tree:\n"
            + indent(input("DestinationPortInput"), 2)
            + """
              exact_match_map:
                map:
                  "80":
                    action:
                      name: skip
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter
            """;

    assertThatThrownBy(() -> listener(matcher, "http"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "filter_chain_matcher.matcher_tree.exact_match_map.map[\"80\"].action.typed_config")
        .hasMessageContaining("google.protobuf.StringValue");
  }

  @Test
  void anHttpInputIsRefusedOnAConnection() {
    String matcher =
        """
        matcher_tree:
          input:
            name: h
            typed_config:
              "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
              header_name: host
          exact_match_map:
            map:
              "a":
        """
            + indent(action("http"), 8);

    assertThatThrownBy(() -> listener(matcher, "http"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("filter_chain_matcher.matcher_tree.input.typed_config")
        .hasMessageContaining("not supported on a connection");
  }
}
