package io.attache.dataplane.headercase;

import io.attache.dataplane.testing.RawHttp1Client;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header-case bootstrap shared by the IT and the differential: four listeners, each with its
 * own HCM {@code header_key_format} and its own cluster's, all in front of one byte-exact upstream;
 * and the one raw request every listener gets. Values that differ by nature (request ids, dates,
 * timings) are masked so two proxies' records compare equal.
 */
final class HeaderCaseScenario {
  private HeaderCaseScenario() {}

  /** What the upstream answers: mixed-case names, a duplicate in two cases, its own phrase. */
  static final String UPSTREAM_RESPONSE =
      "HTTP/1.1 200 Everything Fine\r\n"
          + "X-Upstream-Mixed: a\r\n"
          + "CONTENT-TYPE: text/plain\r\n"
          + "Content-Length: 2\r\n"
          + "X-Dup: 1\r\n"
          + "x-dup: 2\r\n"
          + "\r\n"
          + "ok";

  /** What the client sends: mixed-case names, a duplicate in two cases. */
  static String request(String path) {
    return "GET "
        + path
        + " HTTP/1.1\r\n"
        + "Host: Example.Test\r\n"
        + "X-Mixed-Case: v\r\n"
        + "X-DUP: 1\r\n"
        + "x-dup: 2\r\n"
        + "x-lower: l\r\n"
        + "\r\n";
  }

  /** The listeners, in the order the tests send to them. */
  static final List<String> LISTENERS = List.of("lower", "proper", "preserve", "mixed");

  private static final String PROPER = "header_key_format: { proper_case_words: {} }";

  private static String preserve(boolean forwardReasonPhrase, boolean properCaseOnEnvoyHeaders) {
    return """
        header_key_format:
          stateful_formatter:
            name: preserve_case
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig
              forward_reason_phrase: %s
              formatter_type_on_envoy_headers: %s
        """
        .formatted(forwardReasonPhrase, properCaseOnEnvoyHeaders ? "PROPER_CASE" : "DEFAULT");
  }

  /**
   * {@code lower}: no format anywhere. {@code proper}: proper_case_words on both sides. {@code
   * preserve}: preserve_case on both sides (the cluster's forwards the reason phrase and proper-
   * cases what the proxy adds). {@code mixed}: proper_case_words on the HCM, a plain preserve_case
   * on the cluster — which formatter wins where.
   */
  static String bootstrap(int upstreamPort) {
    StringBuilder yaml =
        new StringBuilder(
            """
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            static_resources:
              listeners:
            """);
    yaml.append(listener("lower", "", "c_lower"));
    yaml.append(listener("proper", PROPER, "c_proper"));
    yaml.append(listener("preserve", preserve(false, false), "c_preserve"));
    yaml.append(listener("mixed", PROPER, "c_preserve_plain"));
    yaml.append("  clusters:\n");
    yaml.append(cluster("c_lower", "", upstreamPort));
    yaml.append(cluster("c_proper", PROPER, upstreamPort));
    yaml.append(cluster("c_preserve", preserve(true, true), upstreamPort));
    yaml.append(cluster("c_preserve_plain", preserve(false, false), upstreamPort));
    return yaml.toString();
  }

  private static String listener(String name, String http1Options, String cluster) {
    String options =
        http1Options.isEmpty() ? "" : "http_protocol_options:\n" + indent(http1Options, 2);
    return """
          - name: %s
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: %s
                  codec_type: HTTP1
        %s
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/direct" }
                        direct_response: { status: 418, body: { inline_string: "teapot" } }
                      - match: { prefix: "/" }
                        route: { cluster: %s }
                        request_headers_to_add:
                        - header: { key: X-Route-Added, value: r }
                        response_headers_to_add:
                        - header: { key: X-Route-Resp, value: r }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
        .formatted(name, name, indent(options, 10), cluster);
  }

  private static String cluster(String name, String http1Options, int port) {
    String options =
        http1Options.isEmpty()
            ? ""
            : """
              typed_extension_protocol_options:
                envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                  "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                  explicit_http_config:
                    http_protocol_options:
              %s"""
                .formatted(indent(http1Options, 8));
    return """
          - name: %s
            type: STATIC
            connect_timeout: 1s
        %s
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
        .formatted(name, indent(options, 4), name, port);
  }

  private static String indent(String text, int spaces) {
    if (text.isBlank()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  /**
   * A head (first line, then header lines) as compared: the first line, then the header lines
   * sorted (the order of headers is not what is compared), values of volatile headers masked.
   */
  static List<String> comparable(String firstLine, String headerBlock) {
    List<String> lines = new ArrayList<>();
    for (String line : headerBlock.split("\r\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = line.substring(0, colon);
      String lower = name.toLowerCase(Locale.ROOT);
      boolean masked =
          lower.equals("x-request-id")
              || lower.equals("date")
              || lower.equals("x-envoy-upstream-service-time");
      lines.add(masked ? name + ": *" : line);
    }
    lines.sort(null);
    lines.add(0, firstLine);
    return lines;
  }

  /** The request head as the upstream saw it, comparable. */
  static List<String> comparableHead(String head) {
    int end = head.indexOf("\r\n");
    return comparable(head.substring(0, end), head.substring(end + 2));
  }

  /** A response as the client saw it, comparable, its body last. */
  static List<String> comparable(RawHttp1Client.Response response) {
    List<String> lines = comparable(response.statusLine(), response.headers());
    lines.add("body: " + response.body());
    return lines;
  }
}
