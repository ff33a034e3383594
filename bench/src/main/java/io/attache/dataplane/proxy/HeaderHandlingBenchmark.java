package io.attache.dataplane.proxy;

import io.attache.dataplane.http.HopByHopHeaders;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.HeaderMutations;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.router.RouteTable;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-request header work on a typical 10-header browser-ish request: hop-by-hop stripping (in this
 * package, where the header rules used to live) and a route's request header mutations (two
 * additions, one with a {@code %DOWNSTREAM_REMOTE_ADDRESS%} formatter, and one removal). Each
 * benchmark works on a fresh copy; {@link #copyOnly} is that copy's cost, to subtract. Lives in the
 * bench module, never in the proxy jar.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderHandlingBenchmark {
  private HttpHeaders template;
  private HeaderMutations mutations;
  private InetSocketAddress remote;
  private InetSocketAddress local;

  @Setup
  public void prepare() throws Exception {
    template = new DefaultHttpHeaders();
    template
        .add("host", "api.example.com")
        .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) bench")
        .add("accept", "application/json")
        .add("accept-encoding", "gzip, deflate, br")
        .add("accept-language", "en-GB,en;q=0.9")
        .add("connection", "keep-alive")
        .add("keep-alive", "timeout=5")
        .add("cookie", "session=0123456789abcdef; theme=dark")
        .add("x-debug", "1")
        .add("content-length", "0");
    RouteConfiguration config =
        RouteConfiguration.newBuilder()
            .setName("bench")
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("all")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster("backend"))
                            .addRequestHeadersToAdd(add("x-via", "attache"))
                            .addRequestHeadersToAdd(add("x-client", "%DOWNSTREAM_REMOTE_ADDRESS%"))
                            .addRequestHeadersToRemove("x-debug")))
            .build();
    RouteDecision decision =
        RouteTable.compile(config, "route_config")
            .route(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x", template),
                RandomSource.SYSTEM);
    mutations = ((RouteDecision.Forward) decision).requestHeaderMutations();
    remote = new InetSocketAddress("127.0.0.1", 40000);
    local = new InetSocketAddress("127.0.0.1", 15001);
  }

  private static HeaderValueOption add(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
        .build();
  }

  @Benchmark
  public HttpHeaders copyOnly() {
    return template.copy();
  }

  @Benchmark
  public HttpHeaders stripHopByHop() {
    HttpHeaders headers = template.copy();
    HopByHopHeaders.strip(headers);
    return headers;
  }

  @Benchmark
  public HttpHeaders applyRouteMutations() {
    HttpHeaders headers = template.copy();
    mutations.apply(
        headers, FormatterContext.Snapshot.forRequest(remote, local, "HTTP/1.1", headers));
    return headers;
  }
}
