package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Struct;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.security.PeerIdentity;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds RBAC filter configs from the YAML a user would write, and requests to test them on. */
final class RbacConfigs {
  private RbacConfigs() {}

  /** Parses the YAML of an {@code extensions.filters.http.rbac.v3.RBAC}. */
  static RBAC proto(String yaml) {
    try {
      return BootstrapLoader.parseYaml(yaml, RBAC.newBuilder()).build();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static RbacFilterConfig filter(String yaml) throws ConfigException {
    return RbacFilterConfig.from("envoy.filters.http.rbac", proto(yaml), "rbac");
  }

  /** The enforced engine of a filter whose YAML has {@code rules}. */
  static RbacEngine engine(String rulesYaml) throws ConfigException {
    return (RbacEngine) filter(rulesYaml).rules().orElseThrow();
  }

  static Req request(HttpMethod method, String uri) {
    return new Req(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri));
  }

  /** A request under construction: headers, addresses and peer identity. */
  static final class Req {
    final HttpRequest http;
    InetSocketAddress remote = new InetSocketAddress("10.1.2.3", 40000);
    InetSocketAddress local = new InetSocketAddress("10.0.0.1", 8080);
    PeerIdentity peer = PeerIdentity.NONE;
    InetAddress clientAddress;
    final Map<String, Struct> dynamicMetadata = new LinkedHashMap<>();

    Req(HttpRequest http) {
      this.http = http;
    }

    Req header(String name, String value) {
      http.headers().add(name, value);
      return this;
    }

    Req from(String ip) {
      remote = new InetSocketAddress(ip, 40000);
      return this;
    }

    Req to(String ip, int port) {
      local = new InetSocketAddress(ip, port);
      return this;
    }

    Req peer(PeerIdentity identity) {
      peer = identity;
      return this;
    }

    /** The trusted client address the connection manager decided on; the socket peer if unset. */
    Req client(String ip) throws java.net.UnknownHostException {
      clientAddress = InetAddress.getByName(ip);
      return this;
    }

    /** Dynamic metadata an earlier filter wrote under {@code filterNamespace}. */
    Req metadata(String filterNamespace, Struct fields) {
      dynamicMetadata.put(filterNamespace, fields);
      return this;
    }

    RbacRequest build() {
      return RbacRequest.of(
          http,
          "http",
          remote,
          clientAddress == null ? remote : new InetSocketAddress(clientAddress, 0),
          local,
          peer,
          dynamicMetadata);
    }
  }
}
