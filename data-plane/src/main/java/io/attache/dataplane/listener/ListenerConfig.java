package io.attache.dataplane.listener;

import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hcm.RouteConfigSource;
import io.attache.dataplane.listenerfilter.ListenerFiltersConfig;
import io.attache.dataplane.matcher.MatchInput;
import io.attache.dataplane.matcher.UnifiedMatcher;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One listener, parsed and validated once from Envoy's {@code Listener}: where it binds (or, with
 * {@code bind_to_port: false}, the address it only takes handed-off connections for), whether it
 * hands redirected connections to the listener of their original destination ({@code
 * use_original_dst}), whether its socket is {@code transparent} (TPROXY), its listener filters, and
 * its filter chains with the {@code filter_chain_match} rules or the {@code filter_chain_matcher}
 * that choose between them (and the {@code default_filter_chain}). Immutable.
 */
public record ListenerConfig(
    String name,
    InetSocketAddress address,
    boolean bindToPort,
    boolean useOriginalDst,
    boolean transparent,
    ListenerFiltersConfig listenerFilters,
    FilterChainSelector<FilterChainConfig> filterChains,
    Listener proto) {

  public static ListenerConfig from(Listener listener, String path) throws ConfigException {
    return from(listener, path, RouteConfigSource.NONE);
  }

  /** As above for a listener that arrived over LDS, its RDS route tables from {@code routes}. */
  public static ListenerConfig from(Listener listener, String path, RouteConfigSource routes)
      throws ConfigException {
    return from(listener, path, routes, RuntimeSnapshot.EMPTY);
  }

  /** As above, route tables reading their runtime keys from {@code runtime}. */
  public static ListenerConfig from(
      Listener listener, String path, RouteConfigSource routes, Runtime runtime)
      throws ConfigException {
    if (!listener.getAddress().hasSocketAddress()) {
      throw new ConfigException(path + ".address.socket_address", "is required");
    }
    InetSocketAddress address =
        socketAddress(listener.getAddress().getSocketAddress(), path + ".address.socket_address");
    String name =
        listener.getName().isEmpty()
            ? address.getHostString() + "_" + address.getPort()
            : listener.getName();
    if (listener.getFilterChainsCount() == 0 && !listener.hasDefaultFilterChain()) {
      throw new ConfigException(
          path + ".filter_chains", "no filter chains specified (and no default_filter_chain)");
    }
    OperationName operation =
        listener.getTrafficDirection() == TrafficDirection.OUTBOUND
            ? OperationName.EGRESS
            : OperationName.INGRESS;
    List<FilterChainMatchRule> rules = new ArrayList<>();
    List<FilterChainConfig> chains = new ArrayList<>();
    Map<FilterChainMatch, Integer> seenMatches = new HashMap<>();
    Map<String, Integer> seenNames = new HashMap<>();
    boolean usesMatcher = listener.hasFilterChainMatcher();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      FilterChain chain = listener.getFilterChains(i);
      String chainPath = path + ".filter_chains[" + i + "]";
      Integer sameMatch =
          usesMatcher ? null : seenMatches.putIfAbsent(chain.getFilterChainMatch(), i);
      if (usesMatcher && chain.getName().isEmpty()) {
        throw new ConfigException(
            chainPath + ".name", "is required when the listener has a filter_chain_matcher");
      }
      if (sameMatch != null) {
        throw new ConfigException(
            chainPath + ".filter_chain_match",
            "multiple filter chains with the same matching rules are defined (filter_chains["
                + sameMatch
                + "] has the same)");
      }
      if (!chain.getName().isEmpty()) {
        Integer sameName = seenNames.putIfAbsent(chain.getName(), i);
        if (sameName != null) {
          throw new ConfigException(
              chainPath + ".name",
              "filter chain name '"
                  + chain.getName()
                  + "' is also filter_chains["
                  + sameName
                  + "]'s");
        }
      }
      if (usesMatcher) {
        // Envoy ignores the chains' filter_chain_match under a matcher, but still refuses these.
        FilterChainMatchRule.refuseUnimplemented(
            chain.getFilterChainMatch(), chainPath + ".filter_chain_match");
      } else {
        rules.add(
            FilterChainMatchRule.compile(
                chain.getFilterChainMatch(), chainPath + ".filter_chain_match"));
      }
      chains.add(
          FilterChainConfig.from(chain, chainPath, address.getPort(), operation, routes, runtime));
    }
    Optional<FilterChainConfig> defaultChain = Optional.empty();
    if (listener.hasDefaultFilterChain()) {
      String chainPath = path + ".default_filter_chain";
      if (listener.getDefaultFilterChain().hasFilterChainMatch()) {
        throw new ConfigException(
            chainPath + ".filter_chain_match", "the default filter chain matches nothing itself");
      }
      defaultChain =
          Optional.of(
              FilterChainConfig.from(
                  listener.getDefaultFilterChain(),
                  chainPath,
                  address.getPort(),
                  operation,
                  routes,
                  runtime));
    }
    boolean useOriginalDst = listener.getUseOriginalDst().getValue();
    boolean transparent = listener.getTransparent().getValue();
    if (transparent && TransparentSocket.unavailable().isPresent()) {
      // A TPROXY capture with no listener able to take it would drop every connection.
      throw new ConfigException(path + ".transparent", TransparentSocket.unavailable().get());
    }
    ListenerFiltersConfig listenerFilters = ListenerFiltersConfig.from(listener, path);
    if (useOriginalDst) {
      // Envoy installs the original_dst listener filter itself on such a listener.
      listenerFilters = listenerFilters.withOriginalDst(path + ".use_original_dst");
    }
    return new ListenerConfig(
        name,
        address,
        !listener.hasBindToPort() || listener.getBindToPort().getValue(),
        useOriginalDst,
        transparent,
        listenerFilters,
        usesMatcher
            ? new FilterChainSelector<>(
                chainNameMatcher(
                    listener.getFilterChainMatcher(), seenNames, path + ".filter_chain_matcher"),
                chains,
                defaultChain)
            : new FilterChainSelector<>(rules, chains, defaultChain),
        listener);
  }

  /**
   * The listener's {@code filter_chain_matcher} over the network inputs, its actions ({@code
   * google.protobuf.StringValue}, Envoy's {@code filter-chain-name}) turned into the index of the
   * chain they name. As in Envoy a name no chain has is accepted and closes the connections it
   * picks; the default chain has no name to be picked by.
   */
  private static UnifiedMatcher<Integer> chainNameMatcher(
      Matcher matcher, Map<String, Integer> chainsByName, String path) throws ConfigException {
    return UnifiedMatcher.compile(
        matcher,
        (action, actionPath) -> {
          String typeUrl = action.getTypedConfig().getTypeUrl();
          if (!typeUrl.equals("type.googleapis.com/google.protobuf.StringValue")) {
            throw new ConfigException(
                actionPath + ".typed_config",
                "a filter chain matcher's action must be a google.protobuf.StringValue naming the"
                    + " chain, not "
                    + typeUrl);
          }
          try {
            String name = action.getTypedConfig().unpack(StringValue.class).getValue();
            return chainsByName.getOrDefault(name, FilterChainSelector.ABSENT_CHAIN);
          } catch (InvalidProtocolBufferException e) {
            throw new ConfigException(
                actionPath + ".typed_config", "not a StringValue: " + e.getMessage());
          }
        },
        MatchInput.Domain.NETWORK,
        path);
  }

  /** Every filter chain, the default one last. */
  public List<FilterChainConfig> allChains() {
    List<FilterChainConfig> all = new ArrayList<>(filterChains.chains());
    filterChains.defaultChain().ifPresent(all::add);
    return all;
  }

  /** Whether some chain proxies raw TCP, so connections must be allowed to half-close. */
  public boolean hasTcpProxy() {
    return allChains().stream().anyMatch(c -> c.tcpProxy().isPresent());
  }

  static InetSocketAddress socketAddress(SocketAddress sa, String path) throws ConfigException {
    if (sa.getAddress().isEmpty()) {
      throw new ConfigException(path + ".address", "must not be empty");
    }
    if (sa.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
      throw new ConfigException(path + ".named_port", "is not supported");
    }
    if (sa.getPortValue() > 65535) {
      throw new ConfigException(path + ".port_value", "must be at most 65535");
    }
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(path + ".protocol", "only TCP is supported");
    }
    return new InetSocketAddress(sa.getAddress(), sa.getPortValue());
  }
}
