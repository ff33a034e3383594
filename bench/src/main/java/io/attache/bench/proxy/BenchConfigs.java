package io.attache.bench.proxy;

import java.nio.file.Path;

/**
 * Generates the configuration each contestant runs with, so that they are comparable: one worker
 * (process, thread or event loop), access logs off, upstream keep-alive with connection reuse (idle
 * 60 s, effectively unlimited requests per connection), and {@code clusters} upstream clusters
 * configured of which the first carries the traffic. Produces text only; starts nothing.
 */
public final class BenchConfigs {
  /** The loopback ports of one run, all derived from one base so a run can move them together. */
  public record Ports(int base) {
    public int upstreamH1() {
      return base;
    }

    /** NGINX 1.22 serves h2c (prior knowledge) only on a port of its own. */
    public int upstreamH2() {
      return base + 1;
    }

    public int nginxH1() {
      return base + 2;
    }

    public int nginxH2() {
      return base + 3;
    }

    public int haproxyH1() {
      return base + 4;
    }

    public int haproxyH2() {
      return base + 5;
    }

    /** Attaché sniffs HTTP/1.1 and h2c on one listener ({@code codec_type: AUTO}). */
    public int attache(int variant) {
      return base + 10 + 2 * variant;
    }

    public int attacheAdmin(int variant) {
      return base + 11 + 2 * variant;
    }

    /** Envoy sniffs HTTP/1.1 and h2c on one listener too: it runs Attaché's bootstrap. */
    public int envoy() {
      return base + 6;
    }

    public int envoyAdmin() {
      return base + 7;
    }
  }

  private BenchConfigs() {}

  /** The upstream: NGINX serving {@code www/1k} and {@code www/64k} from {@code dir}. */
  public static String upstreamNginx(Path dir, Ports ports, boolean runAsRoot) {
    return nginxPrelude(dir, "upstream", runAsRoot)
        + """
        http {
          access_log off;
          sendfile on;
          tcp_nopush on;
          keepalive_timeout 60s;
          keepalive_requests 10000000;
          open_file_cache max=16 inactive=600s;
          open_file_cache_valid 600s;
          default_type application/octet-stream;
          server {
            listen 127.0.0.1:%d;
            root %s;
          }
          server {
            listen 127.0.0.1:%d http2;
            root %s;
          }
        }
        """
            .formatted(
                ports.upstreamH1(), dir.resolve("www"), ports.upstreamH2(), dir.resolve("www"));
  }

  /** NGINX as a reverse proxy: one worker, an upstream keep-alive pool per cluster. */
  public static String nginxProxy(Path dir, Ports ports, int clusters, boolean runAsRoot) {
    StringBuilder upstreams = new StringBuilder();
    for (int i = 0; i < clusters; i++) {
      upstreams.append(
          """
            upstream c%d {
              server 127.0.0.1:%d;
              keepalive 64;
              keepalive_timeout 60s;
              keepalive_requests 10000000;
            }
          """
              .formatted(i, ports.upstreamH1()));
    }
    String location =
        """
              location / {
                proxy_pass http://c0;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
              }
        """;
    return nginxPrelude(dir, "nginx-proxy", runAsRoot)
        + "http {\n"
        + "  access_log off;\n"
        + "  keepalive_timeout 60s;\n"
        + "  keepalive_requests 10000000;\n"
        + upstreams
        + "  server {\n    listen 127.0.0.1:%d;\n".formatted(ports.nginxH1())
        + location
        + "  }\n"
        + "  server {\n    listen 127.0.0.1:%d http2;\n".formatted(ports.nginxH2())
        + location
        + "  }\n}\n";
  }

  private static String nginxPrelude(Path dir, String name, boolean runAsRoot) {
    // Workers drop to "nobody" unless told otherwise; the files live in a root-only temp dir.
    return (runAsRoot ? "user root;\n" : "")
        + """
        daemon off;
        worker_processes 1;
        pid %1$s/%2$s.pid;
        error_log %1$s/%2$s-error.log warn;
        events {
          worker_connections 4096;
        }
        """
            .formatted(dir, name);
  }

  /** HAProxy: one thread, keep-alive both sides, {@code http-reuse always}. */
  public static String haproxy(Ports ports, int clusters) {
    StringBuilder config =
        new StringBuilder(
            """
            global
              nbthread 1
              maxconn 4096

            defaults
              mode http
              option http-keep-alive
              http-reuse always
              timeout connect 5s
              timeout client 60s
              timeout server 60s
              timeout http-keep-alive 60s

            frontend h1
              bind 127.0.0.1:%d
              default_backend c0

            frontend h2
              bind 127.0.0.1:%d proto h2
              default_backend c0
            """
                .formatted(ports.haproxyH1(), ports.haproxyH2()));
    for (int i = 0; i < clusters; i++) {
      config.append(
          """

          backend c%d
            server s0 127.0.0.1:%d
          """
              .formatted(i, ports.upstreamH1()));
    }
    return config.toString();
  }

  /**
   * The one description both Attaché and the stock Envoy run, an Envoy v3 bootstrap: one AUTO-codec
   * listener on {@code listenerPort} routing everything to {@code c0}, {@code clusters} STATIC
   * clusters on the upstream, the admin endpoint on {@code adminPort}, no access log, Envoy's
   * defaults otherwise (so both generate {@code x-request-id}).
   */
  public static String proxyBootstrap(Ports ports, int listenerPort, int adminPort, int clusters) {
    StringBuilder yaml =
        new StringBuilder(
            """
            node: { id: bench, cluster: bench }
            admin:
              address:
                socket_address: { address: 127.0.0.1, port_value: %d }
            static_resources:
              listeners:
              - name: bench
                address:
                  socket_address: { address: 127.0.0.1, port_value: %d }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: bench
                      codec_type: AUTO
                      route_config:
                        name: bench
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
                          - match: { prefix: "/" }
                            route: { cluster: c0 }
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              clusters:
            """
                .formatted(adminPort, listenerPort));
    for (int i = 0; i < clusters; i++) {
      yaml.append(
          """
            - name: c%d
              type: STATIC
              connect_timeout: 1s
              lb_policy: ROUND_ROBIN
              load_assignment:
                cluster_name: c%d
                endpoints:
                - lb_endpoints:
                  - endpoint:
                      address:
                        socket_address: { address: 127.0.0.1, port_value: %d }
          """
              .formatted(i, i, ports.upstreamH1()));
    }
    return yaml.toString();
  }
}
