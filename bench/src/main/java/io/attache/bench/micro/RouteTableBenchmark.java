package io.attache.bench.micro;

import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.router.RouteTable;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Route matching over one virtual host with 1,000 routes (prefix, exact-path and header-matched
 * routes mixed), for a request that matches the first, the 500th or the last route, or none. The
 * router walks routes in order as Envoy does, so the cost grows with the position of the match.
 * Benchmark code only; never on the proxy's class path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteTableBenchmark {
  static final int ROUTES = 1000;

  @Param({"first", "middle", "last", "none"})
  public String match;

  private RouteTable table;
  private HttpRequest request;

  @Setup
  public void compile() throws Exception {
    VirtualHost.Builder host = VirtualHost.newBuilder().setName("all").addDomains("*");
    for (int i = 0; i < ROUTES; i++) {
      RouteMatch.Builder routeMatch = RouteMatch.newBuilder();
      if (i % 4 == 3) {
        routeMatch.setPath(path(i));
      } else {
        routeMatch.setPrefix(path(i));
      }
      if (i % 10 == 9) {
        routeMatch.addHeaders(HeaderMatcher.newBuilder().setName("x-tenant").setPresentMatch(true));
      }
      host.addRoutes(
          Route.newBuilder()
              .setName("r" + i)
              .setMatch(routeMatch)
              .setRoute(RouteAction.newBuilder().setCluster("c" + (i % 100))));
    }
    table =
        RouteTable.compile(
            RouteConfiguration.newBuilder().setName("bench").addVirtualHosts(host).build(),
            "route_config");
    int index =
        switch (match) {
          case "first" -> 0;
          case "middle" -> 500;
          case "last" -> ROUTES - 2; // 999 wants x-tenant; 998 is a plain prefix route
          default -> -1;
        };
    String uri = index < 0 ? "/nowhere/at/all" : path(index) + (index % 4 == 3 ? "" : "items/42");
    request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    request.headers().set("host", "api.example.com").set("user-agent", "bench");
    RouteDecision decision = table.route(request, RandomSource.SYSTEM);
    boolean forwarded = decision instanceof RouteDecision.Forward;
    if (forwarded != (index >= 0)) {
      throw new IllegalStateException(match + " routed to " + decision);
    }
  }

  private static String path(int i) {
    return String.format("/api/v1/svc-%04d/", i);
  }

  @Benchmark
  public RouteDecision route() {
    return table.route(request, RandomSource.SYSTEM);
  }
}
