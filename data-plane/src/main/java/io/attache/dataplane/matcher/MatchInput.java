package io.attache.dataplane.matcher;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestQueryParamMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * One data input of a unified matcher ({@code envoy.matching.inputs.*}): reads one string from a
 * stream's {@link MatchingData}. Immutable. It must never report a value for data that has not
 * arrived yet: that is {@link #available} false, so that the matcher waits rather than decides.
 */
public abstract class MatchInput {
  static final String TYPE_PREFIX = "type.googleapis.com/";

  /** False while the data this input reads has not arrived. */
  public abstract boolean available(MatchingData data);

  /** The value, or null when absent (a header or query parameter not present). */
  public abstract String value(MatchingData data);

  /** The inputs Attaché runs, by type URL; any other is refused with {@code path}. */
  static MatchInput compile(TypedExtensionConfig input, String path) throws ConfigException {
    String typeUrl = input.getTypedConfig().getTypeUrl();
    String configPath = path + ".typed_config";
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
      case "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput" -> {
        String param =
            unpack(input, HttpRequestQueryParamMatchInput.class, configPath).getQueryParam();
        StringMatch.requireNonEmpty(param, configPath + ".query_param");
        return new QueryParamInput(param);
      }
      case "envoy.extensions.matching.common_inputs.network.v3.SourceIPInput" -> {
        return new AddressInput(true, true);
      }
      case "envoy.extensions.matching.common_inputs.network.v3.SourcePortInput" -> {
        return new AddressInput(true, false);
      }
      case "envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput" -> {
        return new AddressInput(false, true);
      }
      case "envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput" -> {
        return new AddressInput(false, false);
      }
      default ->
          throw new ConfigException(
              configPath,
              "matching input "
                  + typeUrl
                  + " is not supported; supported: HttpRequestHeaderMatchInput,"
                  + " HttpResponseHeaderMatchInput, HttpRequestQueryParamMatchInput,"
                  + " SourceIPInput, SourcePortInput, DestinationIPInput, DestinationPortInput");
    }
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

  /**
   * Envoy's network inputs ({@code SourceIPInput}, {@code SourcePortInput}, {@code
   * DestinationIPInput}, {@code DestinationPortInput}): the address as Envoy prints it (IPv6
   * compressed as RFC 5952 says, no brackets), or the port in decimal. Known from the first byte,
   * so always available; absent (no match) where the stream has no such address.
   */
  private static final class AddressInput extends MatchInput {
    private final boolean source;
    private final boolean ip;

    AddressInput(boolean source, boolean ip) {
      this.source = source;
      this.ip = ip;
    }

    @Override
    public boolean available(MatchingData data) {
      return true;
    }

    @Override
    public String value(MatchingData data) {
      InetSocketAddress address = source ? data.sourceAddress() : data.destinationAddress();
      if (address == null || address.getAddress() == null) {
        return null;
      }
      return ip
          ? NetUtil.toAddressString(address.getAddress())
          : Integer.toString(address.getPort());
    }
  }
}
