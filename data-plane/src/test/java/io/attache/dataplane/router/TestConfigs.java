package io.attache.dataplane.router;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Builds route configs from Envoy's JSON form and requests from a few strings; test-only. */
final class TestConfigs {
  private TestConfigs() {}

  static RouteConfiguration parse(String json) {
    RouteConfiguration.Builder builder = RouteConfiguration.newBuilder();
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
    return builder.build();
  }

  static RouteTable table(String json) {
    try {
      return RouteTable.compile(parse(json), "route_config");
    } catch (ConfigException e) {
      throw new AssertionError("unexpected config error: " + e.getMessage(), e);
    }
  }

  /** A config with one catch-all virtual host holding the given routes JSON array. */
  static RouteTable routes(String routesJson) {
    return table(
        "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":"
            + routesJson
            + "}]}");
  }

  static HttpRequest get(String host, String uri) {
    return request(HttpMethod.GET, host, uri);
  }

  static HttpRequest request(HttpMethod method, String host, String uri) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    if (host != null) {
      request.headers().set("host", host);
    }
    return request;
  }

  static RouteDecision route(RouteTable table, HttpRequest request) {
    return table.route(request, RandomSource.seeded(1));
  }

  static String cluster(RouteDecision decision) {
    if (decision instanceof RouteDecision.Forward forward) {
      return forward.cluster();
    }
    return decision.getClass().getSimpleName();
  }
}
