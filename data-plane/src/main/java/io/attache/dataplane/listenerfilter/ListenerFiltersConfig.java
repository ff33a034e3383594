package io.attache.dataplane.listenerfilter;

import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener's {@code listener_filters}, in order, with {@code listener_filters_timeout} (default
 * 15 s; 0 waits forever) and {@code continue_on_listener_filters_timeout}, and the config of its
 * {@code proxy_protocol} filter (null without one). Immutable.
 */
public record ListenerFiltersConfig(
    List<Kind> filters,
    Duration timeout,
    boolean continueOnTimeout,
    ProxyProtocolConfig proxyProtocol) {

  public static final ListenerFiltersConfig NONE =
      new ListenerFiltersConfig(List.of(), Duration.ofSeconds(15), false);

  /** Listener filters without {@code proxy_protocol}. */
  public ListenerFiltersConfig(List<Kind> filters, Duration timeout, boolean continueOnTimeout) {
    this(filters, timeout, continueOnTimeout, null);
  }

  /** The listener filters Attaché runs, by Envoy's name and config type. */
  public enum Kind {
    TLS_INSPECTOR(
        "envoy.filters.listener.tls_inspector",
        "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"),
    HTTP_INSPECTOR(
        "envoy.filters.listener.http_inspector",
        "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"),
    ORIGINAL_DST(
        "envoy.filters.listener.original_dst",
        "envoy.extensions.filters.listener.original_dst.v3.OriginalDst"),
    PROXY_PROTOCOL(
        "envoy.filters.listener.proxy_protocol",
        "envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol");

    private final String canonicalName;
    private final String typeName;

    Kind(String canonicalName, String typeName) {
      this.canonicalName = canonicalName;
      this.typeName = typeName;
    }

    public String canonicalName() {
      return canonicalName;
    }

    public String typeUrl() {
      return "type.googleapis.com/" + typeName;
    }

    /**
     * Whether it must read the first bytes (it peeks, never consuming them — but {@code
     * proxy_protocol}, which takes its header off the connection).
     */
    boolean peeks() {
      return this != ORIGINAL_DST;
    }
  }

  public ListenerFiltersConfig {
    filters = List.copyOf(filters);
  }

  public static ListenerFiltersConfig from(Listener listener, String path) throws ConfigException {
    List<Kind> kinds = new ArrayList<>();
    ProxyProtocolConfig proxyProtocol = null;
    for (int i = 0; i < listener.getListenerFiltersCount(); i++) {
      ListenerFilter filter = listener.getListenerFilters(i);
      String filterPath = path + ".listener_filters[" + i + "]";
      if (filter.hasFilterDisabled()) {
        throw new ConfigException(filterPath + ".filter_disabled", "is not supported");
      }
      if (filter.hasConfigDiscovery()) {
        throw new ConfigException(
            filterPath + ".config_discovery", "extension config discovery is not supported");
      }
      Kind kind = kind(filter, filterPath);
      if (kind == Kind.ORIGINAL_DST) {
        requireOriginalDestinationLookup(filterPath);
      }
      if (kind == Kind.PROXY_PROTOCOL) {
        if (proxyProtocol != null) {
          throw new ConfigException(
              filterPath, "only one proxy_protocol listener filter per listener is supported");
        }
        proxyProtocol = proxyProtocol(filter, filterPath);
      }
      kinds.add(kind);
    }
    Duration timeout = Duration.ofSeconds(15);
    if (listener.hasListenerFiltersTimeout()) {
      com.google.protobuf.Duration d = listener.getListenerFiltersTimeout();
      timeout = Duration.ofSeconds(d.getSeconds(), d.getNanos());
      if (timeout.isNegative()) {
        throw new ConfigException(path + ".listener_filters_timeout", "must not be negative");
      }
    }
    return new ListenerFiltersConfig(
        kinds, timeout, listener.getContinueOnListenerFiltersTimeout(), proxyProtocol);
  }

  private static ProxyProtocolConfig proxyProtocol(ListenerFilter filter, String path)
      throws ConfigException {
    if (!filter.hasTypedConfig()) {
      return ProxyProtocolConfig.from(ProxyProtocol.getDefaultInstance(), path + ".typed_config");
    }
    try {
      return ProxyProtocolConfig.from(
          filter.getTypedConfig().unpack(ProxyProtocol.class), path + ".typed_config");
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", "not a ProxyProtocol: " + e.getMessage());
    }
  }

  /**
   * These filters with {@code original_dst} after them, unless they have it already: what Envoy
   * runs on a {@code use_original_dst} listener.
   */
  public ListenerFiltersConfig withOriginalDst(String path) throws ConfigException {
    if (filters.contains(Kind.ORIGINAL_DST)) {
      return this;
    }
    requireOriginalDestinationLookup(path);
    List<Kind> kinds = new ArrayList<>(filters);
    kinds.add(Kind.ORIGINAL_DST);
    return new ListenerFiltersConfig(kinds, timeout, continueOnTimeout, proxyProtocol);
  }

  /**
   * Serving a redirected connection as if it were addressed to the proxy would send it to the wrong
   * place (or loop): refuse at start, as Envoy does where the option is missing.
   */
  private static void requireOriginalDestinationLookup(String path) throws ConfigException {
    if (SocketOriginalDestination.unavailable().isPresent()) {
      throw new ConfigException(
          path,
          "original_dst needs getsockopt(SO_ORIGINAL_DST), which is unavailable here: "
              + SocketOriginalDestination.unavailable().get());
    }
  }

  private static Kind kind(ListenerFilter filter, String path) throws ConfigException {
    if (filter.hasTypedConfig()) {
      String typeUrl = filter.getTypedConfig().getTypeUrl();
      for (Kind k : Kind.values()) {
        if (k.typeUrl().equals(typeUrl)) {
          return k;
        }
      }
      throw new ConfigException(
          path + ".typed_config",
          "listener filter "
              + typeUrl.substring(typeUrl.lastIndexOf('/') + 1)
              + " is not supported; tls_inspector, http_inspector, original_dst and proxy_protocol are");
    }
    for (Kind k : Kind.values()) {
      if (k.canonicalName().equals(filter.getName())) {
        return k;
      }
    }
    throw new ConfigException(
        path + ".name",
        "listener filter '"
            + filter.getName()
            + "' is not supported; tls_inspector, http_inspector, original_dst and proxy_protocol"
            + " are");
  }

  /** Whether any filter has to read the connection's first bytes. */
  public boolean peeks() {
    return filters.stream().anyMatch(Kind::peeks);
  }
}
