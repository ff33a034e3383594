package io.attache.dataplane.tunnel;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * tcp_proxy's {@code tunneling_config}, parsed once: the request that opens the tunnel (CONNECT to
 * {@code hostname}, or POST to {@code post_path} with {@code use_post}) and the headers added to
 * it. Immutable; refuses by field path what Envoy refuses (an empty hostname, a {@code post_path}
 * without {@code use_post} or not starting with '/', a header that would override a pseudo-header
 * or the host).
 */
public record TunnelingConfig(
    TunnelValue hostname, boolean usePost, String postPath, List<HeaderToAdd> headersToAdd) {

  /** One {@code headers_to_add} entry; {@code overwrite} per its {@code append_action}. */
  public record HeaderToAdd(String name, TunnelValue value, Action action, boolean keepEmpty) {}

  /** Envoy's {@code HeaderValueOption.HeaderAppendAction}, as it applies to a fresh request. */
  public enum Action {
    APPEND_IF_EXISTS_OR_ADD,
    ADD_IF_ABSENT,
    OVERWRITE_IF_EXISTS_OR_ADD,
    OVERWRITE_IF_EXISTS
  }

  public TunnelingConfig {
    headersToAdd = List.copyOf(headersToAdd);
  }

  public static TunnelingConfig from(TcpProxy.TunnelingConfig proto, String path)
      throws ConfigException {
    if (proto.getHostname().isEmpty()) {
      throw new ConfigException(path + ".hostname", "must not be empty");
    }
    if (!validValue(proto.getHostname()) || proto.getHostname().contains(" ")) {
      throw new ConfigException(path + ".hostname", "must not contain spaces, CR, LF or NUL");
    }
    TunnelValue hostname = TunnelValue.parse(proto.getHostname(), path + ".hostname");
    String postPath = "/";
    if (!proto.getPostPath().isEmpty()) {
      if (!proto.getUsePost()) {
        throw new ConfigException(path + ".post_path", "can only be set together with use_post");
      }
      if (!proto.getPostPath().startsWith("/")) {
        throw new ConfigException(path + ".post_path", "must start with '/'");
      }
      postPath = proto.getPostPath();
    }
    List<HeaderToAdd> headers = new ArrayList<>();
    for (int i = 0; i < proto.getHeadersToAddCount(); i++) {
      headers.add(header(proto.getHeadersToAdd(i), path + ".headers_to_add[" + i + "]"));
    }
    return new TunnelingConfig(hostname, proto.getUsePost(), postPath, headers);
  }

  private static HeaderToAdd header(HeaderValueOption option, String at) throws ConfigException {
    String name = option.getHeader().getKey().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(at + ".header.key", "must not be empty");
    }
    if (name.startsWith(":") || name.equals("host")) {
      throw new ConfigException(
          at + ".header.key", "'" + name + "' cannot be set: pseudo-headers and host are fixed");
    }
    boolean raw = !option.getHeader().getRawValue().isEmpty();
    String value =
        raw ? option.getHeader().getRawValue().toStringUtf8() : option.getHeader().getValue();
    String valuePath = at + (raw ? ".header.raw_value" : ".header.value");
    if (!validValue(value)) {
      throw new ConfigException(valuePath, "must not contain CR, LF or NUL");
    }
    Action action =
        switch (option.getAppendAction()) {
          case APPEND_IF_EXISTS_OR_ADD -> Action.APPEND_IF_EXISTS_OR_ADD;
          case ADD_IF_ABSENT -> Action.ADD_IF_ABSENT;
          case OVERWRITE_IF_EXISTS_OR_ADD -> Action.OVERWRITE_IF_EXISTS_OR_ADD;
          case OVERWRITE_IF_EXISTS -> Action.OVERWRITE_IF_EXISTS;
          default -> throw new ConfigException(at + ".append_action", "unknown append action");
        };
    if (option.hasAppend()) {
      // The deprecated flag wins where set, as Envoy reads it.
      action =
          option.getAppend().getValue()
              ? Action.APPEND_IF_EXISTS_OR_ADD
              : Action.OVERWRITE_IF_EXISTS_OR_ADD;
    }
    return new HeaderToAdd(
        name, TunnelValue.parse(value, valuePath), action, option.getKeepEmptyValue());
  }

  private static boolean validValue(String value) {
    return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 && value.indexOf('\0') < 0;
  }

  /** The tunnel's request head for one connection: method, target, host and added headers. */
  public TunnelRequest request(TunnelValue.ConnectionValues values) {
    String host = hostname.format(values);
    List<String[]> headers = new ArrayList<>();
    for (HeaderToAdd add : headersToAdd) {
      String value = add.value().format(values);
      if (value.isEmpty() && !add.keepEmpty()) {
        continue;
      }
      boolean exists = headers.stream().anyMatch(h -> h[0].equals(add.name()));
      switch (add.action()) {
        case APPEND_IF_EXISTS_OR_ADD -> headers.add(new String[] {add.name(), value});
        case ADD_IF_ABSENT -> {
          if (!exists) {
            headers.add(new String[] {add.name(), value});
          }
        }
        case OVERWRITE_IF_EXISTS_OR_ADD -> {
          headers.removeIf(h -> h[0].equals(add.name()));
          headers.add(new String[] {add.name(), value});
        }
        case OVERWRITE_IF_EXISTS -> {
          if (exists) {
            headers.removeIf(h -> h[0].equals(add.name()));
            headers.add(new String[] {add.name(), value});
          }
        }
      }
    }
    List<TunnelRequest.Header> out = new ArrayList<>(headers.size());
    headers.forEach(h -> out.add(new TunnelRequest.Header(h[0], h[1])));
    return new TunnelRequest(usePost ? "POST" : "CONNECT", host, usePost ? postPath : null, out);
  }
}
