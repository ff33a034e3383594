package io.attache.controlplane.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * Raw Envoy resources for the REST validator's property test: a valid base resource of each raw
 * type, then named mutations aimed at Envoy's rules (PGV bounds, and the checks Envoy makes beyond
 * them: IP-only static addresses, unique domains, a terminal router, RE2 regexes, weights, ...),
 * plus a blind mutation of a random leaf. Deterministic for a seed; it only builds JSON and never
 * decides what is valid — Envoy does.
 */
final class RawResourceGenerator {

  /** The four raw types, with their REST path segment and xDS type URL. */
  enum Kind {
    CLUSTER("clusters", "type.googleapis.com/envoy.config.cluster.v3.Cluster"),
    LISTENER("listeners", "type.googleapis.com/envoy.config.listener.v3.Listener"),
    ROUTE("routes", "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"),
    ENDPOINT("endpoints", "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");

    final String rest;
    final String typeUrl;

    Kind(String rest, String typeUrl) {
      this.rest = rest;
      this.typeUrl = typeUrl;
    }
  }

  /** One generated case: the resource, its REST name, and the mutations that made it. */
  record Case(int index, Kind kind, String name, ObjectNode body, List<String> mutations) {
    String describe() {
      return "#" + index + " " + kind.rest + "/" + name + " " + mutations;
    }
  }

  /** The route configuration the fixed raw listener reads over RDS; route cases replace it. */
  static final String ROUTE_NAME = "prop-route";

  /** The EDS cluster whose endpoints endpoint cases replace. */
  static final String EDS_CLUSTER = "prop-eds";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HCM =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
          + ".HttpConnectionManager";
  private static final String ROUTER =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  private static final String FAULT =
      "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

  private record Mutation(String name, BiConsumer<ObjectNode, Random> apply) {}

  private final Random random;

  RawResourceGenerator(long seed) {
    this.random = new Random(seed);
  }

  Case next(int index) {
    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
    String name =
        switch (kind) {
          case CLUSTER -> "prop-cluster-" + index;
          case LISTENER -> "prop-listener-" + index;
          case ROUTE -> ROUTE_NAME;
          case ENDPOINT -> EDS_CLUSTER;
        };
    ObjectNode body = base(kind, name, index);
    List<Mutation> menu = mutations(kind);
    List<String> applied = new ArrayList<>();
    int count = random.nextInt(10) < 2 ? 0 : 1 + (random.nextInt(4) == 0 ? 1 : 0);
    for (int i = 0; i < count; i++) {
      Mutation m = menu.get(random.nextInt(menu.size()));
      try {
        m.apply().accept(body, random);
        applied.add(m.name());
      } catch (ClassCastException | NullPointerException | IllegalArgumentException gone) {
        applied.add(m.name() + " (n/a: an earlier mutation removed its target)");
      }
    }
    if (random.nextInt(4) == 0) {
      applied.add(mutateRandomLeaf(body));
    }
    if (applied.isEmpty()) {
      applied.add("base");
    }
    return new Case(index, kind, name, body, applied);
  }

  /** A valid resource of each kind; the index makes each one differ from the last. */
  static ObjectNode base(Kind kind, String name, int index) {
    return switch (kind) {
      case CLUSTER ->
          parse(
              """
              {"name": "%s", "type": "STATIC", "connect_timeout": "1s", "lb_policy": "ROUND_ROBIN",
               "load_assignment": {"cluster_name": "%s", "endpoints": [{"lb_endpoints": [
                 {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9}}}}]}]},
               "circuit_breakers": {"thresholds": [{"priority": "DEFAULT", "max_connections": 100, "max_retries": 3}]},
               "outlier_detection": {"consecutive_5xx": 5, "interval": "10s", "base_ejection_time": "30s", "max_ejection_percent": 10},
               "common_lb_config": {"healthy_panic_threshold": {"value": 50}}}"""
                  .formatted(name, name));
      case LISTENER -> {
        // validate_clusters false: the inline table names clusters no test defines; a mutation
        // turns Envoy's check back on.
        ObjectNode listener =
            parse(
                """
              {"name": "%s", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
               "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                 "typed_config": {"@type": "%s", "stat_prefix": "prop",
                   "route_config": %s,
                   "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {"@type": "%s"}}]}}]}]}"""
                    .formatted(name, HCM, routeConfig("inline-" + index, index), ROUTER));
        ((ObjectNode) listener.at("/filter_chains/0/filters/0/typed_config/route_config"))
            .put("validate_clusters", false);
        yield listener;
      }
      case ROUTE -> parse(routeConfig(name, index));
      case ENDPOINT ->
          parse(
              """
              {"cluster_name": "%s", "endpoints": [{"locality": {"zone": "z-%d"}, "load_balancing_weight": 1,
                 "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9}}},
                                   "load_balancing_weight": 1}]}],
               "policy": {"overprovisioning_factor": 140}}"""
                  .formatted(name, index));
    };
  }

  private static String routeConfig(String name, int index) {
    return """
        {"name": "%s", "virtual_hosts": [
          {"name": "vh-%d", "domains": ["a.example", "a.example:80"],
           "routes": [
             {"match": {"prefix": "/api/", "headers": [{"name": "x-canary", "string_match": {"exact": "yes"}}]},
              "route": {"weighted_clusters": {"clusters": [{"name": "v1", "weight": 80}, {"name": "v2", "weight": 20}]}}},
             {"match": {"safe_regex": {"regex": "/items/[0-9]+"}}, "route": {"cluster": "items", "timeout": "5s"}},
             {"match": {"prefix": "/"},
              "route": {"cluster": "web", "timeout": "15s",
                        "retry_policy": {"retry_on": "5xx,connect-failure", "num_retries": 2,
                                         "retry_back_off": {"base_interval": "0.025s", "max_interval": "0.25s"}}},
              "request_headers_to_add": [{"header": {"key": "x-route", "value": "web"}}]}]},
          {"name": "vh-b-%d", "domains": ["b.example"],
           "routes": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"inline_string": "ok"}}}]}]}"""
        .formatted(name, index, index);
  }

  private static List<Mutation> mutations(Kind kind) {
    List<Mutation> out = new ArrayList<>();
    switch (kind) {
      case CLUSTER -> {
        out.add(
            new Mutation(
                "hostname in STATIC", (c, r) -> address(c).put("address", "backend.example")));
        out.add(
            new Mutation(
                "STRICT_DNS hostname",
                (c, r) -> {
                  c.put("type", "STRICT_DNS");
                  address(c).put("address", "backend.example");
                }));
        out.add(
            new Mutation(
                "LOGICAL_DNS two hosts",
                (c, r) -> {
                  c.put("type", "LOGICAL_DNS");
                  address(c).put("address", "backend.example");
                  ArrayNode lbs = (ArrayNode) c.at("/load_assignment/endpoints/0/lb_endpoints");
                  lbs.add(lbs.get(0).deepCopy());
                }));
        out.add(
            new Mutation(
                "EDS from ADS",
                (c, r) -> {
                  c.put("type", "EDS");
                  c.remove("load_assignment");
                  c.putObject("eds_cluster_config")
                      .putObject("eds_config")
                      .put("resource_api_version", "V3")
                      .putObject("ads");
                }));
        out.add(new Mutation("connect_timeout 0s", (c, r) -> c.put("connect_timeout", "0s")));
        out.add(
            new Mutation("connect_timeout negative", (c, r) -> c.put("connect_timeout", "-1s")));
        out.add(new Mutation("port 65536", (c, r) -> address(c).put("port_value", 65536)));
        out.add(new Mutation("port 0", (c, r) -> address(c).put("port_value", 0)));
        out.add(new Mutation("lb_policy MAGLEV", (c, r) -> c.put("lb_policy", "MAGLEV")));
        out.add(
            new Mutation(
                "lb_policy CLUSTER_PROVIDED", (c, r) -> c.put("lb_policy", "CLUSTER_PROVIDED")));
        out.add(
            new Mutation(
                "ORIGINAL_DST round robin",
                (c, r) -> {
                  c.put("type", "ORIGINAL_DST");
                  c.remove("load_assignment");
                }));
        out.add(
            new Mutation(
                "ring hash min > max",
                (c, r) -> {
                  c.put("lb_policy", "RING_HASH");
                  c.putObject("ring_hash_lb_config")
                      .put("minimum_ring_size", 2048)
                      .put("maximum_ring_size", 1024);
                }));
        out.add(
            new Mutation(
                "max_ejection_percent 101",
                (c, r) -> c.withObject("/outlier_detection").put("max_ejection_percent", 101)));
        out.add(
            new Mutation(
                "outlier interval 0s",
                (c, r) -> c.withObject("/outlier_detection").put("interval", "0s")));
        out.add(
            new Mutation(
                "panic threshold 101",
                (c, r) ->
                    c.withObject("/common_lb_config")
                        .withObject("/healthy_panic_threshold")
                        .put("value", 101)));
        out.add(
            new Mutation(
                "health check timeout 0s",
                (c, r) ->
                    c.putArray("health_checks")
                        .addObject()
                        .put("timeout", "0s")
                        .put("interval", "5s")
                        .put("unhealthy_threshold", 2)
                        .put("healthy_threshold", 1)
                        .putObject("http_health_check")
                        .put("path", "/healthz")));
        out.add(
            new Mutation(
                "health check without path",
                (c, r) ->
                    c.putArray("health_checks")
                        .addObject()
                        .put("timeout", "1s")
                        .put("interval", "5s")
                        .put("unhealthy_threshold", 2)
                        .put("healthy_threshold", 1)
                        .putObject("http_health_check")
                        .put("host", "x")));
        out.add(
            new Mutation(
                "duplicate circuit-breaker priority",
                (c, r) -> {
                  ArrayNode t = (ArrayNode) c.at("/circuit_breakers/thresholds");
                  t.add(t.get(0).deepCopy());
                }));
        out.add(
            new Mutation(
                "http2 protocol options",
                (c, r) ->
                    c.putObject("typed_extension_protocol_options")
                        .putObject("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                        .put(
                            "@type",
                            "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                        .putObject("explicit_http_config")
                        .putObject("http2_protocol_options")));
        out.add(
            new Mutation(
                "TLS min > max version",
                (c, r) ->
                    c.putObject("transport_socket")
                        .put("name", "envoy.transport_sockets.tls")
                        .putObject("typed_config")
                        .put(
                            "@type",
                            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext")
                        .put("sni", "backend.example")
                        .putObject("common_tls_context")
                        .putObject("tls_params")
                        .put("tls_minimum_protocol_version", "TLSv1_3")
                        .put("tls_maximum_protocol_version", "TLSv1_2")));
        out.add(new Mutation("empty endpoint address", (c, r) -> address(c).put("address", "")));
        out.add(
            new Mutation(
                "name too long",
                (c, r) -> {
                  String longName = c.get("name").asText() + "-" + "x".repeat(300);
                  c.put("name", longName);
                  c.withObject("/load_assignment").put("cluster_name", longName);
                }));
      }
      case LISTENER -> {
        out.add(
            new Mutation(
                "address not an IP",
                (c, r) ->
                    c.withObject("/address")
                        .withObject("/socket_address")
                        .put("address", "listener.example")));
        out.add(
            new Mutation(
                "port 65536",
                (c, r) ->
                    c.withObject("/address")
                        .withObject("/socket_address")
                        .put("port_value", 65536)));
        out.add(
            new Mutation(
                "router not last",
                (c, r) -> {
                  ArrayNode f = filters(c);
                  ObjectNode fault = JsonNodeFactory.instance.objectNode();
                  fault
                      .put("name", "envoy.filters.http.fault")
                      .putObject("typed_config")
                      .put("@type", FAULT);
                  f.add(fault);
                }));
        out.add(
            new Mutation(
                "fault before router",
                (c, r) -> {
                  ArrayNode f = filters(c);
                  ObjectNode fault = JsonNodeFactory.instance.objectNode();
                  fault
                      .put("name", "envoy.filters.http.fault")
                      .putObject("typed_config")
                      .put("@type", FAULT);
                  f.insert(0, fault);
                }));
        out.add(new Mutation("no http filters", (c, r) -> filters(c).removeAll()));
        out.add(new Mutation("stat_prefix empty", (c, r) -> hcm(c).put("stat_prefix", "")));
        out.add(
            new Mutation(
                "duplicate filter chain",
                (c, r) -> {
                  ArrayNode chains = (ArrayNode) c.get("filter_chains");
                  chains.add(chains.get(0).deepCopy());
                }));
        out.add(new Mutation("no filter chains", (c, r) -> c.remove("filter_chains")));
        out.add(new Mutation("codec HTTP2", (c, r) -> hcm(c).put("codec_type", "HTTP2")));
        out.add(
            new Mutation(
                "TLS without certificate",
                (c, r) ->
                    ((ObjectNode) c.at("/filter_chains/0"))
                        .putObject("transport_socket")
                        .put("name", "envoy.transport_sockets.tls")
                        .putObject("typed_config")
                        .put(
                            "@type",
                            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext")));
        out.add(
            new Mutation(
                "inline route validates clusters",
                (c, r) -> hcm(c).withObject("/route_config").remove("validate_clusters")));
        out.add(
            new Mutation(
                "inline route names a defined cluster",
                (c, r) -> {
                  ObjectNode rc = hcm(c).withObject("/route_config");
                  rc.remove("validate_clusters");
                  ((ArrayNode) rc.get("virtual_hosts")).remove(0);
                  ((ObjectNode) rc.at("/virtual_hosts/0/routes/0")).remove("direct_response");
                  ((ObjectNode) rc.at("/virtual_hosts/0/routes/0"))
                      .putObject("route")
                      .put("cluster", EDS_CLUSTER);
                }));
        for (Mutation m : routeMutations()) {
          out.add(
              new Mutation(
                  "route_config: " + m.name(),
                  (c, r) -> m.apply().accept(hcm(c).withObject("/route_config"), r)));
        }
      }
      case ROUTE -> out.addAll(routeMutations());
      case ENDPOINT -> {
        out.add(
            new Mutation(
                "hostname address", (c, r) -> lbAddress(c).put("address", "backend.example")));
        out.add(new Mutation("port 65536", (c, r) -> lbAddress(c).put("port_value", 65536)));
        out.add(
            new Mutation(
                "endpoint weight 0",
                (c, r) ->
                    ((ObjectNode) c.at("/endpoints/0/lb_endpoints/0"))
                        .put("load_balancing_weight", 0)));
        out.add(
            new Mutation(
                "locality weight 0",
                (c, r) -> ((ObjectNode) c.at("/endpoints/0")).put("load_balancing_weight", 0)));
        out.add(
            new Mutation(
                "priority gap",
                (c, r) -> {
                  ArrayNode e = (ArrayNode) c.get("endpoints");
                  ObjectNode p2 = (ObjectNode) e.get(0).deepCopy();
                  p2.put("priority", 2);
                  e.add(p2);
                }));
        out.add(
            new Mutation(
                "priority 1 only",
                (c, r) -> ((ObjectNode) c.at("/endpoints/0")).put("priority", 1)));
        out.add(
            new Mutation(
                "overprovisioning 0",
                (c, r) -> c.withObject("/policy").put("overprovisioning_factor", 0)));
        out.add(
            new Mutation(
                "duplicate locality",
                (c, r) -> {
                  ArrayNode e = (ArrayNode) c.get("endpoints");
                  e.add(e.get(0).deepCopy());
                }));
        out.add(new Mutation("no endpoints", (c, r) -> c.remove("endpoints")));
        out.add(
            new Mutation(
                "health status UNHEALTHY",
                (c, r) ->
                    ((ObjectNode) c.at("/endpoints/0/lb_endpoints/0"))
                        .put("health_status", "UNHEALTHY")));
        out.add(new Mutation("hostname with pipe", (c, r) -> lbAddress(c).put("address", "a|b")));
      }
    }
    return out;
  }

  /** Mutations of a RouteConfiguration (raw, or inline in a listener's HCM). */
  private static List<Mutation> routeMutations() {
    List<Mutation> out = new ArrayList<>();
    out.add(
        new Mutation(
            "duplicate domain across virtual hosts",
            (rc, r) -> ((ArrayNode) rc.at("/virtual_hosts/1/domains")).add("a.example")));
    out.add(
        new Mutation(
            "duplicate domain in a virtual host",
            (rc, r) -> ((ArrayNode) rc.at("/virtual_hosts/0/domains")).add("a.example")));
    out.add(
        new Mutation(
            "duplicate virtual host name",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/1"))
                    .put("name", rc.at("/virtual_hosts/0/name").asText())));
    out.add(
        new Mutation(
            "two catch-all domains",
            (rc, r) -> {
              ((ArrayNode) rc.at("/virtual_hosts/0/domains")).add("*");
              ((ArrayNode) rc.at("/virtual_hosts/1/domains")).add("*");
            }));
    out.add(
        new Mutation(
            "wildcard inside a domain",
            (rc, r) -> ((ArrayNode) rc.at("/virtual_hosts/1/domains")).add("a.*.example")));
    out.add(
        new Mutation(
            "suffix wildcard domain",
            (rc, r) -> ((ArrayNode) rc.at("/virtual_hosts/1/domains")).add("*.b.example")));
    out.add(
        new Mutation(
            "empty domains",
            (rc, r) -> ((ArrayNode) rc.at("/virtual_hosts/1/domains")).removeAll()));
    out.add(
        new Mutation(
            "invalid RE2 regex",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/1/match/safe_regex"))
                    .put("regex", "/items/([0-9]+")));
    out.add(
        new Mutation(
            "Java-only regex (lookahead)",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/1/match/safe_regex"))
                    .put("regex", "/items/(?=[0-9])")));
    out.add(
        new Mutation(
            "Java-only regex (backreference)",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/1/match/safe_regex"))
                    .put("regex", "/(a)\\\\1")));
    out.add(
        new Mutation(
            "weights all zero",
            (rc, r) -> {
              ((ObjectNode) rc.at("/virtual_hosts/0/routes/0/route/weighted_clusters/clusters/0"))
                  .put("weight", 0);
              ((ObjectNode) rc.at("/virtual_hosts/0/routes/0/route/weighted_clusters/clusters/1"))
                  .put("weight", 0);
            }));
    out.add(
        new Mutation(
            "one weight zero",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/0/route/weighted_clusters/clusters/1"))
                    .put("weight", 0)));
    out.add(
        new Mutation(
            "weighted clusters empty",
            (rc, r) ->
                ((ArrayNode) rc.at("/virtual_hosts/0/routes/0/route/weighted_clusters/clusters"))
                    .removeAll()));
    out.add(
        new Mutation(
            "add :path header",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/request_headers_to_add/0/header"))
                    .put("key", ":path")));
    out.add(
        new Mutation(
            "add host header",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/request_headers_to_add/0/header"))
                    .put("key", "host")));
    out.add(
        new Mutation(
            "header name with space",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/request_headers_to_add/0/header"))
                    .put("key", "x bad")));
    out.add(
        new Mutation(
            "header value with newline",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/request_headers_to_add/0/header"))
                    .put("value", "a\nb")));
    out.add(
        new Mutation(
            "remove :authority header",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2"))
                    .putArray("request_headers_to_remove")
                    .add(":authority")));
    out.add(
        new Mutation(
            "back-off max < base",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route/retry_policy/retry_back_off"))
                    .put("max_interval", "0.01s")));
    out.add(
        new Mutation(
            "back-off base 0s",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route/retry_policy/retry_back_off"))
                    .put("base_interval", "0s")));
    out.add(
        new Mutation(
            "route timeout negative",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route")).put("timeout", "-1s")));
    out.add(
        new Mutation(
            "unknown retry_on",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route/retry_policy"))
                    .put("retry_on", "5xx,sometimes")));
    out.add(
        new Mutation(
            "direct_response status 99",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/1/routes/0/direct_response"))
                    .put("status", 99)));
    out.add(
        new Mutation(
            "direct_response status 600",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/1/routes/0/direct_response"))
                    .put("status", 600)));
    out.add(
        new Mutation(
            "prefix without slash",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/match")).put("prefix", "api")));
    out.add(
        new Mutation(
            "path_separated_prefix with trailing slash",
            (rc, r) -> {
              ObjectNode m = (ObjectNode) rc.at("/virtual_hosts/0/routes/2/match");
              m.remove("prefix");
              m.put("path_separated_prefix", "/api/");
            }));
    out.add(
        new Mutation(
            "empty cluster name",
            (rc, r) -> ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route")).put("cluster", "")));
    out.add(
        new Mutation(
            "header matcher without name",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/0/match/headers/0")).put("name", "")));
    out.add(
        new Mutation(
            "num_retries huge",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route/retry_policy"))
                    .put("num_retries", 4294967295L)));
    out.add(
        new Mutation(
            "retriable status code 99",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/0/routes/2/route/retry_policy"))
                    .putArray("retriable_status_codes")
                    .add(99)));
    out.add(
        new Mutation(
            "redirect and route",
            (rc, r) ->
                ((ObjectNode) rc.at("/virtual_hosts/1/routes/0"))
                    .putObject("redirect")
                    .put("path_redirect", "/x")));
    return out;
  }

  /** Replaces one random leaf with a value of another shape or a boundary value. */
  private String mutateRandomLeaf(ObjectNode root) {
    List<String[]> leaves = new ArrayList<>();
    collectLeaves(root, "", leaves);
    String[] leaf = leaves.get(random.nextInt(leaves.size()));
    String pointer = leaf[0];
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = root.at(pointer.substring(0, slash));
    String key = pointer.substring(slash + 1);
    JsonNode value =
        switch (random.nextInt(8)) {
          case 0 -> JsonNodeFactory.instance.numberNode(-1);
          case 1 -> JsonNodeFactory.instance.numberNode(0);
          case 2 -> JsonNodeFactory.instance.numberNode(4294967296L);
          case 3 -> JsonNodeFactory.instance.textNode("");
          case 4 -> JsonNodeFactory.instance.textNode("0s");
          case 5 -> JsonNodeFactory.instance.textNode("x".repeat(10));
          case 6 -> JsonNodeFactory.instance.booleanNode(true);
          default -> null;
        };
    if (parent instanceof ObjectNode object) {
      if (value == null) {
        object.remove(key);
      } else {
        object.set(key, value);
      }
    } else if (parent instanceof ArrayNode array) {
      int i = Integer.parseInt(key);
      if (value == null) {
        array.remove(i);
      } else {
        array.set(i, value);
      }
    }
    return "leaf " + pointer + (value == null ? " removed" : " = " + value);
  }

  private static void collectLeaves(JsonNode node, String pointer, List<String[]> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (!e.getKey().equals("@type")
                    && !e.getKey().equals("name")
                    && !e.getKey().equals("cluster_name")) {
                  collectLeaves(e.getValue(), pointer + "/" + e.getKey(), out);
                }
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectLeaves(node.get(i), pointer + "/" + i, out);
      }
    } else {
      out.add(new String[] {pointer});
    }
  }

  private static ObjectNode address(ObjectNode cluster) {
    return (ObjectNode)
        cluster.at("/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address");
  }

  private static ObjectNode lbAddress(ObjectNode cla) {
    return (ObjectNode) cla.at("/endpoints/0/lb_endpoints/0/endpoint/address/socket_address");
  }

  private static ObjectNode hcm(ObjectNode listener) {
    return (ObjectNode) listener.at("/filter_chains/0/filters/0/typed_config");
  }

  private static ArrayNode filters(ObjectNode listener) {
    return (ArrayNode) hcm(listener).get("http_filters");
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
