package io.attache.dataplane.matcher;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestQueryParamMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestTrailerMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseTrailerMatchInput;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One data input of a unified matcher ({@code envoy.matching.inputs.*}): reads one string from a
 * stream's or a connection's {@link MatchingData}. Immutable. It must never report a value for data
 * that has not arrived yet: that is {@link #available} false, so that the matcher waits rather than
 * decides.
 */
public abstract class MatchInput {
  static final String TYPE_PREFIX = "type.googleapis.com/";
  private static final String NETWORK_INPUTS =
      "envoy.extensions.matching.common_inputs.network.v3.";

  /** What a matcher matches on, and so which inputs it may read. */
  public enum Domain {
    /**
     * An HTTP stream (ExtensionWithMatcher, composite, RBAC): header and query inputs, and the
     * network inputs on its connection.
     */
    HTTP,
    /** A connection choosing its filter chain: the network inputs. */
    NETWORK
  }

  /** False while the data this input reads has not arrived. */
  public abstract boolean available(MatchingData data);

  /** The value, or null when absent (a header or query parameter not present). */
  public abstract String value(MatchingData data);

  /**
   * The inputs Attaché runs in {@code domain}, by type URL; any other is refused with {@code path}.
   */
  static MatchInput compile(TypedExtensionConfig input, Domain domain, String path)
      throws ConfigException {
    return domain == Domain.NETWORK ? network(input, path) : http(input, path);
  }

  private static MatchInput http(TypedExtensionConfig input, String path) throws ConfigException {
    String typeUrl = input.getTypedConfig().getTypeUrl();
    String configPath = path + ".typed_config";
    String typeName = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    if (typeName.startsWith(NETWORK_INPUTS)) {
      // An HTTP stream has a connection too: Envoy's HTTP matching data carries its addresses,
      // but not what the listener's inspectors found (Envoy registers these two for connections
      // only and refuses them here).
      if (typeName.endsWith(".TransportProtocolInput")
          || typeName.endsWith(".ApplicationProtocolInput")) {
        throw new ConfigException(
            configPath,
            "matching input " + typeUrl + " is not an HTTP input (Envoy reads it on connections)");
      }
      return network(input, path);
    }
    switch (typeUrl.substring(typeUrl.lastIndexOf('/') + 1)) {
      case "envoy.type.matcher.v3.HttpRequestHeaderMatchInput" -> {
        String name =
            headerName(
                unpack(input, HttpRequestHeaderMatchInput.class, configPath).getHeaderName(),
                configPath);
        return new HeaderInput(name, false);
      }
      case "envoy.type.matcher.v3.HttpResponseHeaderMatchInput" -> {
        String name =
            headerName(
                unpack(input, HttpResponseHeaderMatchInput.class, configPath).getHeaderName(),
                configPath);
        return new HeaderInput(name, true);
      }
      case "envoy.type.matcher.v3.HttpRequestTrailerMatchInput" -> {
        String name =
            headerName(
                unpack(input, HttpRequestTrailerMatchInput.class, configPath).getHeaderName(),
                configPath);
        return new TrailerInput(name, false);
      }
      case "envoy.type.matcher.v3.HttpResponseTrailerMatchInput" -> {
        String name =
            headerName(
                unpack(input, HttpResponseTrailerMatchInput.class, configPath).getHeaderName(),
                configPath);
        return new TrailerInput(name, true);
      }
      case "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput" -> {
        String param =
            unpack(input, HttpRequestQueryParamMatchInput.class, configPath).getQueryParam();
        StringMatch.requireNonEmpty(param, configPath + ".query_param");
        return new QueryParamInput(param);
      }
      default ->
          throw new ConfigException(
              configPath,
              "matching input "
                  + typeUrl
                  + " is not supported; supported: HttpRequestHeaderMatchInput,"
                  + " HttpResponseHeaderMatchInput, HttpRequestTrailerMatchInput,"
                  + " HttpResponseTrailerMatchInput, HttpRequestQueryParamMatchInput and the"
                  + " network inputs");
    }
  }

  /**
   * Envoy's network inputs, read as Envoy's do: addresses as {@code inet_ntop} prints them, ports
   * in decimal, {@code local} for a loopback or same-IP peer, the ALPN list as {@code
   * 'h2','http/1.1'}; an empty server name, transport protocol or ALPN list is no value.
   */
  private static MatchInput network(TypedExtensionConfig input, String path)
      throws ConfigException {
    String typeUrl = input.getTypedConfig().getTypeUrl();
    String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    Function<ConnectionData, String> read =
        switch (name.startsWith(NETWORK_INPUTS) ? name.substring(NETWORK_INPUTS.length()) : "") {
          case "DestinationIPInput" -> c -> ip(c.localAddress());
          case "DestinationPortInput" -> c -> Integer.toString(c.localAddress().getPort());
          case "SourceIPInput" -> c -> ip(c.remoteAddress());
          case "SourcePortInput" -> c -> Integer.toString(c.remoteAddress().getPort());
          case "DirectSourceIPInput" -> c -> ip(c.directRemoteAddress());
          case "SourceTypeInput" -> c -> sameIpOrLoopback(c) ? "local" : null;
          case "ServerNameInput" -> c -> emptyIsAbsent(c.requestedServerName());
          case "TransportProtocolInput" -> c -> emptyIsAbsent(c.transportProtocol());
          case "ApplicationProtocolInput" ->
              c ->
                  c.applicationProtocols().isEmpty()
                      ? null
                      : "'" + String.join("','", c.applicationProtocols()) + "'";
          default ->
              throw new ConfigException(
                  path + ".typed_config",
                  "matching input "
                      + typeUrl
                      + " is not supported on a connection; supported: the network inputs"
                      + " DestinationIPInput, DestinationPortInput, SourceIPInput,"
                      + " SourcePortInput, DirectSourceIPInput, SourceTypeInput,"
                      + " ServerNameInput, TransportProtocolInput, ApplicationProtocolInput");
        };
    return new NetworkInput(read);
  }

  private static String ip(InetSocketAddress address) {
    return address.getAddress() == null ? null : NetUtil.toAddressString(address.getAddress());
  }

  private static boolean sameIpOrLoopback(ConnectionData c) {
    InetAddress remote = c.remoteAddress().getAddress();
    return remote != null
        && (remote.isLoopbackAddress() || remote.equals(c.localAddress().getAddress()));
  }

  private static String emptyIsAbsent(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String headerName(String name, String path) throws ConfigException {
    StringMatch.requireNonEmpty(name, path + ".header_name");
    return name.toLowerCase(Locale.ROOT);
  }

  private static <T extends Message> T unpack(
      TypedExtensionConfig input, Class<T> type, String path) throws ConfigException {
    try {
      return input.getTypedConfig().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a " + type.getSimpleName() + ": " + e.getMessage());
    }
  }

  /** One of Envoy's network inputs: all its data is there once the listener filters are done. */
  private static final class NetworkInput extends MatchInput {
    private final Function<ConnectionData, String> read;

    NetworkInput(Function<ConnectionData, String> read) {
      this.read = read;
    }

    @Override
    public boolean available(MatchingData data) {
      return data.connection() != null;
    }

    @Override
    public String value(MatchingData data) {
      return read.apply(data.connection());
    }
  }

  /** Envoy's header inputs: every value of the header joined with {@code ","}. */
  private static final class HeaderInput extends MatchInput {
    private final String name;
    private final boolean response;

    HeaderInput(String name, boolean response) {
      this.name = name;
      this.response = response;
    }

    @Override
    public boolean available(MatchingData data) {
      return (response ? data.responseHeaders() : data.requestHeaders()) != null;
    }

    @Override
    public String value(MatchingData data) {
      return (response ? data.responseHeaders() : data.requestHeaders()).joined(name);
    }
  }

  /**
   * Envoy's trailer inputs: every value of the trailer joined with {@code ","}. Not available until
   * the trailers arrived, so a stream that has none never lets them decide (Envoy's {@code
   * NotAvailable}).
   */
  private static final class TrailerInput extends MatchInput {
    private final String name;
    private final boolean response;

    TrailerInput(String name, boolean response) {
      this.name = name;
      this.response = response;
    }

    @Override
    public boolean available(MatchingData data) {
      return (response ? data.responseTrailers() : data.requestTrailers()) != null;
    }

    @Override
    public String value(MatchingData data) {
      return (response ? data.responseTrailers() : data.requestTrailers()).joined(name);
    }
  }

  /** Envoy's query parameter input: the first value of the parameter, percent-decoded. */
  private static final class QueryParamInput extends MatchInput {
    private final String param;

    QueryParamInput(String param) {
      this.param = param;
    }

    @Override
    public boolean available(MatchingData data) {
      return data.requestHeaders() != null;
    }

    @Override
    public String value(MatchingData data) {
      String path = data.requestHeaders().joined(":path");
      if (path == null || path.indexOf('?') < 0) {
        return null;
      }
      List<String> values = new QueryStringDecoder(path).parameters().get(param);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }
}
