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
import org.junit.jupiter.api.Test;

/**
 * Filter chain selection as Envoy does it, one criterion at a time in Envoy's order, from listener
 * YAML as a user writes it. Each chain is a tcp_proxy to a cluster named after the chain, so the
 * selected chain is read off its cluster.
 */
class FilterChainSelectorTest {

  /** A listener on 127.0.0.1:10000 whose chains are the given YAML list items. */
  private static ListenerConfig listener(String chainsYaml) throws ConfigException {
    return listener(chainsYaml, "");
  }

  private static ListenerConfig listener(String chainsYaml, String defaultChainYaml)
      throws ConfigException {
    String yaml =
        """
        static_resources:
          listeners:
          - name: l
            address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
            filter_chains:
        %s
        %s
        """
            .formatted(indent(chainsYaml, 4), indent(defaultChainYaml, 4));
    Bootstrap b = BootstrapLoader.parse(yaml, false);
    return ListenerConfig.from(
        b.getStaticResources().getListeners(0), "static_resources.listeners[0]");
  }

  /** A chain item: its match (YAML flow map, may be empty) and a tcp_proxy to {@code cluster}. */
  private static String chain(String match, String cluster) {
    return """
        - filter_chain_match: %s
          filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: %s
              cluster: %s
        """
        .formatted(match, cluster, cluster);
  }

  private static String defaultChain(String cluster) {
    return """
        default_filter_chain:
          filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: %s
              cluster: %s
        """
        .formatted(cluster, cluster);
  }

  private static String indent(String text, int spaces) {
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  private static Optional<String> selected(ListenerConfig l, ConnectionProperties c) {
    return l.filterChains()
        .select(c)
        .map(chain -> chain.tcpProxy().orElseThrow().clusters().get(0).name());
  }

  private static ConnectionProperties conn(String from, String to) {
    return ConnectionPropertiesForTests.of(address(from), address(to), "", "raw_buffer", List.of());
  }

  private static ConnectionProperties tls(String sni, String... alpn) {
    return ConnectionPropertiesForTests.of(
        address("127.0.0.1:40000"), address("127.0.0.1:10000"), sni, "tls", List.of(alpn));
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  @Test
  void anExactServerNameBeatsAWildcardAndALongerWildcardBeatsAShorterOne() throws Exception {
    ListenerConfig l =
        listener(
            chain("{ server_names: [\"api.example.com\"] }", "exact")
                + chain("{ server_names: [\"*.example.com\"] }", "wild")
                + chain("{ server_names: [\"*.eu.example.com\"] }", "longer_wild")
                + chain("{}", "any"));

    assertThat(selected(l, tls("api.example.com"))).hasValue("exact");
    assertThat(selected(l, tls("www.example.com"))).hasValue("wild");
    assertThat(selected(l, tls("a.b.example.com"))).hasValue("wild");
    assertThat(selected(l, tls("shop.eu.example.com"))).hasValue("longer_wild");
    assertThat(selected(l, tls("example.com"))).hasValue("any");
    assertThat(selected(l, tls(""))).hasValue("any");
  }

  @Test
  void serverNamesAreComparedWithoutCase() throws Exception {
    ListenerConfig l = listener(chain("{ server_names: [\"API.Example.com\"] }", "exact"));

    assertThat(selected(l, tls("api.example.com"))).hasValue("exact");
  }

  @Test
  void destinationPortIsDecidedFirstAndSelectionNeverBacktracks() throws Exception {
    ListenerConfig l =
        listener(
            chain("{ destination_port: 10000, server_names: [\"a.example.com\"] }", "port_and_sni")
                + chain("{ server_names: [\"b.example.com\"] }", "sni_only"),
            defaultChain("fallback"));

    assertThat(selected(l, tls("a.example.com"))).hasValue("port_and_sni");
    // The port matched chain 0 alone; its server name does not match; chain 1 is not considered.
    assertThat(selected(l, tls("b.example.com"))).hasValue("fallback");
  }

  @Test
  void theLongestDestinationPrefixWinsAndAnUnsetOneCatchesTheRest() throws Exception {
    ListenerConfig l =
        listener(
            chain("{ prefix_ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }] }", "slash8")
                + chain(
                    "{ prefix_ranges: [{ address_prefix: 127.0.0.1, prefix_len: 32 }] }", "slash32")
                + chain("{}", "any"));

    assertThat(selected(l, conn("10.1.1.1:5000", "127.0.0.1:10000"))).hasValue("slash32");
    assertThat(selected(l, conn("10.1.1.1:5000", "127.0.0.2:10000"))).hasValue("slash8");
    assertThat(selected(l, conn("10.1.1.1:5000", "10.0.0.9:10000"))).hasValue("any");
  }

  @Test
  void transportProtocolAndApplicationProtocolsComeAfterTheServerName() throws Exception {
    ListenerConfig l =
        listener(
            chain("{ transport_protocol: tls, application_protocols: [h2] }", "tls_h2")
                + chain("{ transport_protocol: tls }", "tls_any")
                + chain("{ transport_protocol: raw_buffer }", "plain"));

    assertThat(selected(l, tls("x.example.com", "h2", "http/1.1"))).hasValue("tls_h2");
    assertThat(selected(l, tls("x.example.com", "http/1.1"))).hasValue("tls_any");
    assertThat(selected(l, conn("127.0.0.1:5000", "127.0.0.1:10000"))).hasValue("plain");
  }

  @Test
  void sourceTypeSourcePrefixAndSourcePortNarrowInThatOrder() throws Exception {
    ListenerConfig l =
        listener(
            chain("{ source_type: SAME_IP_OR_LOOPBACK }", "local")
                + chain(
                    "{ source_type: EXTERNAL, source_prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }",
                    "external_ten")
                + chain(
                    "{ source_type: EXTERNAL, source_prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }], source_ports: [5555] }",
                    "external_ten_port")
                + chain("{ source_type: EXTERNAL }", "external"));

    assertThat(selected(l, conn("127.0.0.9:5000", "127.0.0.1:10000"))).hasValue("local");
    assertThat(selected(l, conn("10.2.3.4:5555", "127.0.0.1:10000"))).hasValue("external_ten_port");
    assertThat(selected(l, conn("10.2.3.4:6000", "127.0.0.1:10000"))).hasValue("external_ten");
    assertThat(selected(l, conn("192.168.1.1:6000", "127.0.0.1:10000"))).hasValue("external");
  }

  @Test
  void aConnectionNoChainMatchesGetsTheDefaultChainOrNothing() throws Exception {
    String onlyTls = chain("{ transport_protocol: tls }", "tls");
    ListenerConfig withDefault = listener(onlyTls, defaultChain("fallback"));
    ListenerConfig without = listener(onlyTls);

    ConnectionProperties plain = conn("127.0.0.1:5000", "127.0.0.1:10000");
    assertThat(selected(withDefault, plain)).hasValue("fallback");
    assertThat(selected(without, plain)).isEmpty();
  }

  @Test
  void twoChainsWithTheSameMatchAreRefusedByPath() {
    assertThatThrownBy(
            () ->
                listener(
                    chain("{ server_names: [a.example.com] }", "one")
                        + chain("{ server_names: [a.example.com] }", "two")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].filter_chains[1].filter_chain_match")
        .hasMessageContaining("same matching rules");
  }

  @Test
  void partialWildcardsAndUnimplementedSuffixFieldsAreRefusedByPath() {
    assertThatThrownBy(() -> listener(chain("{ server_names: [\"a*.example.com\"] }", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("filter_chains[0].filter_chain_match.server_names[0]");
    assertThatThrownBy(() -> listener(chain("{ suffix_len: 3 }", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("filter_chain_match.suffix_len");
  }

  @Test
  void aNetworkFilterOtherThanTheConnectionManagerOrTcpProxyIsRefusedByPath() {
    String redis =
        """
        - filters:
          - name: envoy.filters.network.redis_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
              stat_prefix: r
        """;
    assertThatThrownBy(() -> listener(redis))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].filter_chains[0].filters[0]");
  }
}
