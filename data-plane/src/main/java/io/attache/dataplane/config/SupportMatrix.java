package io.attache.dataplane.config;

import static io.attache.dataplane.config.FieldSupport.Status.IGNORED;

import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;

/**
 * Attaché's answer, field by field, to "does the Java proxy honour this Envoy field?". The data
 * plane reports set fields against it at start-up and {@code docs/xds-support.md} is generated from
 * it. Adding support for a field means moving it to {@code honoured} here in the same change.
 */
public final class SupportMatrix {
  private static final String NOT_YET = "not supported by Attaché yet";
  private static final String RATE_LIMITS_NOTE =
      "make the descriptors of envoy.filters.http.local_ratelimit (there is no global rate limit"
          + " filter); an action Attaché cannot run is refused";
  private static final String MIRROR_LEVELS_NOTE =
      "the route's list, else the virtual host's, else the route configuration's (the most"
          + " specific non-empty list); each shadow is sent once the request is whole (a body over"
          + " per_request_buffer_limit_bytes is not shadowed), fire and forget";
  private static final String PER_FILTER_NOTE =
      "the most specific entry (weighted cluster > route > virtual host > route configuration),"
          + " keyed by the filter's HttpFilter.name, else by its canonical name: a FilterConfig"
          + " with disabled switches that filter off for the request (or on, for a filter"
          + " disabled by default); an HTTPFault replaces the fault filter's config; an"
          + " RBACPerRoute entry is rejected; entries for filters not in the chain are ignored";
  private static final String RBAC_METADATA_NOTE =
      "Envoy's MetadataMatcher on the stream's dynamic metadata, as earlier filters wrote it"
          + " (jwt_authn payload_in_metadata, header_to_metadata); a missing value never matches"
          + " a typed matcher";
  private static final FieldSupport INSTANCE = build();

  private SupportMatrix() {}

  public static FieldSupport get() {
    return INSTANCE;
  }

  private static FieldSupport build() {
    FieldSupport.Builder b = FieldSupport.builder();
    b.message(Bootstrap.getDescriptor())
        .honouredNote("node", "id and cluster identify the proxy (server_info, ADS)")
        .honoured("static_resources", "admin")
        .honouredNote(
            "dynamic_resources",
            "mesh mode: LDS, RDS, CDS and EDS over one ADS stream (state of the world or delta);"
                + " static resources keep working alongside")
        .honouredNote(
            "layered_runtime",
            "static and admin layers; values read by the runtime_key of route match and request mirror"
                + " runtime_fraction")
        .rejected("tracing", "configure tracing on the HTTP connection manager instead")
        .honouredNote(
            "overload_manager",
            "fixed_heap monitor (the JVM's used heap), global_downstream_max_connections;"
                + " stop_accepting_requests, disable_http_keepalive and shrink_heap actions")
        .honouredNote(
            "stats_flush_interval",
            "closes histogram intervals and refreshes server.* gauges (default 5 s)")
        .honouredNote("stats_flush_on_admin", "flush only when the admin endpoint shows stats")
        .honouredNote("stats_server_version_override", "the value of server.version")
        .rest(IGNORED, NOT_YET);
    overloadMessages(b);
    b.message(io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime.getDescriptor())
        .honoured("layers");
    b.message(io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer.getDescriptor())
        .honouredNote("name", "required and unique, as Envoy")
        .honouredNote(
            "static_layer",
            "flattened to dotted keys as Envoy does; a later layer overrides an earlier one")
        .honouredNote(
            "admin_layer",
            "at most one; filled by POST /runtime_modify, read per request by route runtime_fraction")
        .rejected("disk_layer", "disk runtime layers are not read")
        .rejected("rtds_layer", "RTDS runtime layers are not fetched");
    b.message(Bootstrap.DynamicResources.getDescriptor())
        .honoured("ads_config", "lds_config", "cds_config")
        .rejected("lds_resources_locator", "xdstp:// resource locators are not supported")
        .rejected("cds_resources_locator", "xdstp:// resource locators are not supported")
        .rest(FieldSupport.Status.REJECTED, "only ADS config sources are supported");
    b.message(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.getDescriptor())
        .honouredNote("api_type", "GRPC (state of the world) or DELTA_GRPC (incremental)")
        .honouredNote(
            "transport_api_version",
            "V3, or unset (AUTO): both speak v3, as in Envoy 1.40; V2 is refused")
        .honouredNote("grpc_services", "exactly one, with envoy_grpc")
        .honoured("set_node_on_first_message_only")
        .ignored("rate_limit_settings", "requests are not rate limited")
        .rest(FieldSupport.Status.REJECTED, "only the ADS gRPC fields are supported");
    b.message(io.envoyproxy.envoy.config.core.v3.ConfigSource.getDescriptor())
        .honouredNote("ads", "the only supported config source")
        .honouredNote("initial_fetch_timeout", "default 15 s; 0 waits forever")
        .honouredNote("resource_api_version", "must be V3")
        .rest(FieldSupport.Status.REJECTED, "only ads config sources are supported");
    b.message(io.envoyproxy.envoy.config.core.v3.GrpcService.getDescriptor())
        .honoured("envoy_grpc", "initial_metadata")
        .rejected("google_grpc", "the Google gRPC client is not supported; use envoy_grpc")
        .ignored("timeout", "the ADS stream has no deadline")
        .ignored("retry_policy", "the ADS client reconnects with its own jittered back-off")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.GrpcService.EnvoyGrpc.getDescriptor())
        .honouredNote(
            "cluster_name",
            "a static cluster; each of its endpoints is a control-plane server (replica): one"
                + " stream at a time, to one drawn at random first, then the next one on each"
                + " reconnect (round robin)")
        .honoured("authority", "max_receive_message_length")
        .ignored("skip_envoy_headers", "no x-envoy headers are sent on the ADS stream")
        .ignored("retry_policy", "the ADS client reconnects with its own jittered back-off")
        .rest(IGNORED, NOT_YET);
    b.message(
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds
                .getDescriptor())
        .honoured("config_source", "route_config_name");
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.EdsClusterConfig.getDescriptor())
        .honoured("eds_config", "service_name");
    b.message(Bootstrap.StaticResources.getDescriptor())
        .honoured("listeners", "clusters")
        .honouredNote(
            "secrets", "tls_certificate and validation_context secrets, named by SdsSecretConfig");
    b.message(Node.getDescriptor())
        .honoured("id", "cluster", "metadata", "locality")
        .rest(IGNORED, "informational; not used by the proxy");
    b.message(Admin.getDescriptor())
        .honouredNote("address", "admin endpoint bind address (default 127.0.0.1:15000)")
        .honoured("access_log", "access_log_path")
        .rejected("socket_options", "socket options are not supported")
        .ignored("profile_path", "there is no profiler")
        .ignored(
            "ignore_global_conn_limit",
            "the admin endpoint's connections never count against"
                + " global_downstream_max_connections (nor do Envoy 1.40's admin connections)")
        .rest(IGNORED, NOT_YET);
    b.message(Address.getDescriptor())
        .honoured("socket_address")
        .rejected("pipe", "unix domain sockets are not supported")
        .rejected("envoy_internal_address", "internal listeners are not supported");
    b.message(SocketAddress.getDescriptor())
        .honoured("address", "port_value")
        .honouredNote(
            "protocol",
            "TCP; UDP on a listener whose one listener filter is udp_proxy (static_resources"
                + " only)")
        .rejected("named_port", "named ports are not supported")
        .rejected("resolver_name", "custom resolvers are not supported")
        .rest(IGNORED, NOT_YET);
    b.message(Listener.getDescriptor())
        .honoured("name", "address", "filter_chains")
        .honouredNote(
            "ignore_global_conn_limit",
            "the listener's connections take no share of the overload manager's"
                + " global_downstream_max_connections and are never refused; as in Envoy 1.40 each"
                + " still gives a share back when it closes (see docs/data-plane.md)")
        .honouredNote("traffic_direction", "OUTBOUND names trace spans egress, otherwise ingress")
        .honouredNote(
            "stat_prefix",
            "names the listener's stats listener.<stat_prefix>.* (ssl.*, no_filter_chain_match,"
                + " downstream_pre_cx_*; default <address>_<port>)")
        .honouredNote(
            "listener_filters",
            "envoy.filters.listener.tls_inspector, http_inspector, original_dst and"
                + " proxy_protocol, in order")
        .honouredNote(
            "listener_filters_timeout",
            "default 15 s, 0 waits forever; on expiry the connection is closed and"
                + " downstream_pre_cx_timeout counted")
        .honouredNote(
            "continue_on_listener_filters_timeout",
            "on listener_filters_timeout, go on to chain selection with what was found")
        .honouredNote(
            "default_filter_chain",
            "serves connections that no filter_chain_match selects; without it they are closed"
                + " (no_filter_chain_match)")
        .honouredNote(
            "use_original_dst",
            "runs original_dst after the listener filters, then hands a redirected connection to"
                + " the listener on its original destination (exact address, else the wildcard"
                + " address of its port), whose own listener filters and chains take it; without"
                + " such a listener the connection stays on this one's chains")
        .honouredNote(
            "bind_to_port",
            "false: no socket; the listener serves only connections a use_original_dst"
                + " listener hands it")
        .honouredNote(
            "transparent",
            "true sets IP_TRANSPARENT (TPROXY; needs Linux, the epoll transport and"
                + " CAP_NET_ADMIN, else the listener is refused with the reason); original_dst"
                + " then takes the socket's local address as the original destination")
        .honouredNote(
            "per_connection_buffer_limit_bytes",
            "each HTTP stream's initial buffer limit (default 1 MiB): a request body held for"
                + " buffering filters past it is answered 413 (downstream_rq_too_large); also the"
                + " router's retry buffer cap without per_request_buffer_limit_bytes. Socket"
                + " read/write watermarks do not follow it")
        .honouredNote(
            "filter_chain_matcher",
            "decides alone (filter_chain_match is then ignored): the action, a StringValue, names"
                + " the chain (every chain needs a name; a name no chain has closes the connection,"
                + " no_filter_chain_match); no match takes default_filter_chain. Inputs: the"
                + " network inputs, after the listener filters")
        .rejected("additional_addresses", "one address per listener")
        .rejected("internal_listener", "internal listeners are not supported")
        .honouredNote(
            "udp_listener_config",
            "on a UDP listener: downstream_socket_config.max_rx_datagram_size (QUIC refused)")
        .rest(IGNORED, NOT_YET);
    b.message(FilterChain.getDescriptor())
        .honoured("filters")
        .honouredNote(
            "filter_chain_match",
            "Envoy's order and specificity: destination port, destination IP, server name"
                + " (exact, then longest wildcard), transport protocol, application protocols,"
                + " direct source IP, source type, source IP, source port; never backtracks")
        .honouredNote(
            "transport_socket", "envoy.transport_sockets.tls (DownstreamTlsContext) or raw_buffer")
        .honouredNote(
            "name",
            "must be unique in the listener; keys the chain across updates; required, and what"
                + " the listener's filter_chain_matcher names, when it has one")
        .rest(IGNORED, NOT_YET);
    b.message(FilterChainMatch.getDescriptor())
        .honoured(
            "destination_port",
            "prefix_ranges",
            "direct_source_prefix_ranges",
            "source_prefix_ranges",
            "source_ports",
            "transport_protocol",
            "application_protocols")
        .honouredNote(
            "server_names", "the SNI from tls_inspector; exact names and leading '*.' wildcards")
        .honouredNote(
            "source_type", "SAME_IP_OR_LOOPBACK: a loopback peer or the listener's own IP")
        .rejected("address_suffix", "not implemented (nor in Envoy)")
        .rejected("suffix_len", "not implemented (nor in Envoy)");
    b.message(ListenerFilter.getDescriptor())
        .honoured("name", "typed_config")
        .rejected("filter_disabled", "listener filter match predicates are not supported")
        .rejected("config_discovery", "extension config discovery is not supported");
    b.message(
            io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                .getDescriptor())
        .honouredNote(
            "allow_requests_without_proxy_protocol",
            "a connection whose first bytes cannot begin a header passes on untouched"
                + " (not_found_allowed)")
        .honouredNote(
            "disallowed_versions",
            "a header of that version closes the connection (versions.<v>.disallowed); with"
                + " allow_requests_without_proxy_protocol it is just bytes")
        .honouredNote("stat_prefix", "proxy_proto.<stat_prefix>.*")
        .rejected("rules", "TLVs as dynamic metadata: no connection-level dynamic metadata")
        .rejected("pass_through_tlvs", "no upstream PROXY protocol transport socket");
    b.message(TlsInspector.getDescriptor())
        .ignored("enable_ja3_fingerprinting", "JA3 fingerprints are not computed")
        .ignored(
            "initial_read_buffer_size", "the whole ClientHello (up to 64 KiB) is read as it comes");
    b.message(io.envoyproxy.envoy.config.listener.v3.UdpListenerConfig.getDescriptor())
        .honoured("downstream_socket_config")
        .rejected("quic_options", "QUIC is not supported")
        .rejected("udp_packet_packet_writer_config", "custom packet writers are not supported");
    b.message(io.envoyproxy.envoy.config.core.v3.UdpSocketConfig.getDescriptor())
        .honouredNote(
            "max_rx_datagram_size",
            "the largest datagram read whole (default 65536); a longer one is truncated")
        .ignored("prefer_gro", "only changes how the kernel batches reads");
    b.message(
            io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig.getDescriptor())
        .honoured("stat_prefix", "cluster", "hash_policies")
        .honouredNote(
            "matcher",
            "unified matcher on SourceIPInput, SourcePortInput, DestinationIPInput and"
                + " DestinationPortInput whose actions are Route; no match counts"
                + " downstream_sess_no_route")
        .honouredNote(
            "idle_timeout", "no datagram either way for this long ends the session (default 60 s)")
        .honouredNote(
            "use_per_packet_load_balancing",
            "each datagram picks a host; one session per (downstream, host)")
        .honouredNote(
            "upstream_socket_config", "max_rx_datagram_size of each session's upstream socket")
        .rejected(
            "use_original_src_ip",
            "sending from the downstream's address needs IP_TRANSPARENT and root")
        .rejected("session_filters", "UDP session filters are not supported")
        .rejected("tunneling_config", "UDP over HTTP tunnelling is not supported")
        .rejected("access_log", "UDP session access logs are not supported")
        .rejected("proxy_access_log", "UDP proxy access logs are not supported")
        .rejected("access_log_options", "UDP session access logs are not supported")
        .rest(FieldSupport.Status.REJECTED, NOT_YET);
    b.message(
            io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig.HashPolicy
                .getDescriptor())
        .honouredNote("source_ip", "xxHash64 of the downstream IP")
        .honouredNote("key", "xxHash64 of the key: every session to one host");
    b.message(io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.Route.getDescriptor())
        .honoured("cluster");
    b.message(
            io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                .getDescriptor())
        .rest(FieldSupport.Status.HONOURED, "");
    b.message(
            io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourcePortInput
                .getDescriptor())
        .rest(FieldSupport.Status.HONOURED, "");
    b.message(
            io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput
                .getDescriptor())
        .rest(FieldSupport.Status.HONOURED, "");
    b.message(
            io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput
                .getDescriptor())
        .rest(FieldSupport.Status.HONOURED, "");
    b.message(TcpProxy.getDescriptor())
        .honoured("stat_prefix", "cluster", "weighted_clusters", "access_log")
        .honouredNote(
            "idle_timeout",
            "no byte either way for this long closes both sides (default 1 h; 0 disables)")
        .honouredNote(
            "max_connect_attempts",
            "default 1; each attempt picks a host other than the one that just failed")
        .honoured("max_downstream_connection_duration")
        .rejected("metadata_match", "subset load balancing is not supported")
        .rejected("on_demand", "on-demand cluster discovery is not supported")
        .rejected("hash_policy", "tcp_proxy hash policies are not supported")
        .honouredNote(
            "tunneling_config",
            "the stream travels in an HTTP/1.1 CONNECT (or POST) to the cluster, or in one HTTP/2"
                + " stream on its own connection when the cluster's protocol options name HTTP/2;"
                + " a refusal counts as a failed connect attempt")
        .rejected("backoff_options", "connect attempts are made without back-off")
        .rejected("access_log_options", "access logs are written when the connection closes")
        .rejected("access_log_flush_interval", "access logs are written when the connection closes")
        .rejected(
            "flush_access_log_on_connected", "access logs are written when the connection closes")
        .rejected("downstream_idle_timeout", "not implemented (nor in Envoy); use idle_timeout")
        .rejected("upstream_idle_timeout", "not implemented (nor in Envoy); use idle_timeout")
        .rest(FieldSupport.Status.REJECTED, NOT_YET);
    b.message(TcpProxy.TunnelingConfig.getDescriptor())
        .honouredNote(
            "hostname",
            "with %DOWNSTREAM_{LOCAL,REMOTE}_{ADDRESS,ADDRESS_WITHOUT_PORT,PORT}% and"
                + " %REQUESTED_SERVER_NAME%")
        .honoured("use_post", "post_path")
        .honouredNote(
            "headers_to_add",
            "values with the hostname's %-commands; pseudo-headers and host are refused")
        .ignored(
            "propagate_response_headers",
            "the tunnel's response headers would go to filter state, which nothing here reads")
        .ignored(
            "propagate_response_trailers",
            "the tunnel's response trailers would go to filter state, which nothing here reads")
        .rest(FieldSupport.Status.REJECTED, NOT_YET);
    b.message(TcpProxy.WeightedCluster.getDescriptor()).honoured("clusters");
    b.message(TcpProxy.WeightedCluster.ClusterWeight.getDescriptor())
        .honoured("name", "weight")
        .rejected("metadata_match", "subset load balancing is not supported");
    b.message(Filter.getDescriptor())
        .honoured("name", "typed_config")
        .rejected("config_discovery", "extension config discovery is not supported");
    b.message(HttpConnectionManager.getDescriptor())
        .honoured(
            "codec_type",
            "stat_prefix",
            "route_config",
            "http_filters",
            "generate_request_id",
            "preserve_external_request_id",
            "always_set_request_id_in_response",
            "skip_xff_append",
            "server_name",
            "server_header_transformation",
            "max_request_headers_kb",
            "stream_idle_timeout",
            "http2_protocol_options",
            "common_http_protocol_options",
            "http_protocol_options",
            "proxy_100_continue",
            "access_log",
            "strip_any_host_port",
            "strip_matching_host_port")
        .honouredNote(
            "normalize_path",
            "RFC 3986 normalisation as Envoy 1.40's canonicalizer does it, before RBAC and routing;"
                + " off by default as in Envoy")
        .honouredNote("merge_slashes", "after normalize_path, before RBAC and routing")
        .honouredNote(
            "path_with_escaped_slashes_action",
            "%2F and %5C: KEEP_UNCHANGED (the default), REJECT_REQUEST (400),"
                + " UNESCAPE_AND_REDIRECT (307 to the unescaped, normalised path; gRPC gets 400),"
                + " UNESCAPE_AND_FORWARD")
        .honouredNote(
            "request_headers_timeout",
            "HTTP/1.1: from the first byte of a request to the end of its headers, else 408 and"
                + " close (downstream_rq_header_timeout); off by default, as in Envoy. An HTTP/2"
                + " header block is taken whole by the codec: a connection stalled inside one has"
                + " no stream and is closed by idle_timeout")
        .honouredNote(
            "use_remote_address",
            "the socket peer is the client (appended to x-forwarded-for); external requests are"
                + " edge requests: caller-identity x-envoy headers dropped,"
                + " x-envoy-external-address set")
        .honouredNote(
            "xff_num_trusted_hops",
            "the client address is taken that many entries from the end of x-forwarded-for, as"
                + " Envoy's getLastAddressFromXFF; also what RBAC remote_ip matches")
        .honouredNote(
            "internal_address_config",
            "cidr_ranges: a request is internal only when its single trusted client address is"
                + " in one; without it no address is internal (Envoy 1.36+). Internal requests"
                + " get x-envoy-internal: true and keep their x-envoy control headers; every other"
                + " request loses them")
        .honouredNote(
            "forward_client_cert_details",
            "x-forwarded-client-cert: SANITIZE (default), FORWARD_ONLY, APPEND_FORWARD,"
                + " SANITIZE_SET, ALWAYS_FORWARD_ONLY")
        .honouredNote(
            "set_current_client_cert_details", "By and Hash always; Subject, Cert, Chain, URI, DNS")
        .honouredNote("rds", "over ADS only: listeners from LDS (dynamic_resources)")
        .rejected("scoped_routes", "scoped routes are not supported")
        .honoured("tracing")
        .honouredNote(
            "upgrade_configs",
            "HTTP/1.1 upgrades (websocket and any other type but h2c) to HTTP/1.1 upstreams, and"
                + " CONNECT (HTTP/1.1 authority-form or HTTP/2 :method CONNECT): a type not listed,"
                + " or turned off, gets 403 upgrade_failed on a routed request"
                + " (downstream_rq_ws_on_non_ws_route), 404 without a route; after the upstream's"
                + " 101 (a CONNECT's 2xx) both sides carry raw bytes until either side closes;"
                + " stream_idle_timeout and the route's idle_timeout apply, the route timeout does"
                + " not; downstream_cx_upgrades_total/_active. A CONNECT goes to an HTTP/2"
                + " upstream as a CONNECT stream; other upgrades are not sent over HTTP/2"
                + " (extended CONNECT)")
        .ignored("request_timeout", "not enforced yet")
        .honouredNote(
            "stream_error_on_invalid_http_message",
            "HTTP/2 only, when http2_protocol_options does not say: see"
                + " override_stream_error_on_invalid_http_message; HTTP/1.1 always closes the"
                + " connection after an invalid message")
        .honouredNote(
            "drain_timeout",
            "time between HTTP/2's first GOAWAY (highest stream id) and the final one when the"
                + " listener drains (default 5 s)")
        .honouredNote(
            "add_user_agent",
            "on every request after the trust decision, as Envoy: x-envoy-downstream-service-cluster"
                + " set to node.cluster (--service-cluster), user-agent to the same when absent or"
                + " empty, x-envoy-downstream-service-node to node.id (--service-node) when not"
                + " empty")
        .honouredNote(
            "scheme_header_transformation",
            "scheme_to_overwrite sets x-forwarded-proto (so routing, require_tls, redirects and"
                + " the upstream :scheme see it) after the trust decision, as Envoy sets :scheme and"
                + " x-forwarded-proto")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.SchemeHeaderTransformation.getDescriptor())
        .honouredNote("scheme_to_overwrite", "http or https; anything else is refused, as Envoy")
        .rejected(
            "match_upstream",
            "the upstream :scheme is the downstream request's (scheme_to_overwrite wins over it, as"
                + " in Envoy)");
    b.message(HttpConnectionManager.UpgradeConfig.getDescriptor())
        .honouredNote(
            "upgrade_type", "compared case-insensitively; CONNECT stands for the CONNECT method")
        .honouredNote("enabled", "default true; a route's upgrade_configs entry overrides it")
        .rejected("filters", "per-upgrade filter chains are not supported: the HCM's filters run");
    b.message(HttpConnectionManager.InternalAddressConfig.getDescriptor())
        .honoured("cidr_ranges")
        .ignored("unix_sockets", "listeners are IP sockets only");
    b.message(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.getDescriptor())
        .honoured(
            "max_headers_count", "headers_with_underscores_action", "max_requests_per_connection")
        .honouredNote(
            "idle_timeout",
            "downstream: runs from the moment a connection is accepted (before TLS, protocol"
                + " sniffing and the HTTP/2 preface) and whenever it has no active stream, then"
                + " closes it (default 1 h); upstream: pool idle timeout")
        .ignored("max_stream_duration", "not enforced yet")
        .ignored("max_connection_duration", "not enforced yet")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDescriptor())
        .honoured(
            "allow_absolute_url",
            "accept_http_10",
            "default_host_for_http_10",
            "allow_chunked_length",
            "enable_trailers")
        .honouredNote(
            "header_key_format",
            "the wire case of the HTTP/1.1 header names written: lower case by default (as Envoy"
                + " holds them), proper_case_words, or the preserve_case stateful formatter; the"
                + " HCM's formats responses, the cluster's requests, and a message read by a"
                + " preserve_case codec carries its case across the proxy")
        .ignored(
            "override_stream_error_on_invalid_http_message",
            "the connection is always closed after an invalid message")
        .rest(IGNORED, "parser and upstream-encoding choices do not apply");
    b.message(
            io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.HeaderKeyFormat.getDescriptor())
        .honoured("proper_case_words")
        .honouredNote(
            "stateful_formatter",
            "envoy.http.stateful_header_formatters.preserve_case only; another type is refused");
    b.message(
            io.envoyproxy.envoy.extensions.http.header_formatters.preserve_case.v3
                .PreserveCaseFormatterConfig.getDescriptor())
        .honouredNote(
            "forward_reason_phrase",
            "the upstream's reason phrase goes to the client; otherwise Envoy's standard phrase")
        .honouredNote(
            "formatter_type_on_envoy_headers",
            "DEFAULT (lower case) or PROPER_CASE for names the proxy added");
    b.message(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDescriptor())
        .honoured("max_concurrent_streams")
        .honouredNote(
            "max_outbound_control_frames",
            "downstream: SETTINGS and PING ACKs and RST_STREAMs queued but not yet written;"
                + " beyond it (default 1000) the connection ends with GOAWAY ENHANCE_YOUR_CALM")
        .honouredNote(
            "override_stream_error_on_invalid_http_message",
            "downstream: a malformed request resets only its stream (RST_STREAM PROTOCOL_ERROR)"
                + " when true; by default it ends the connection (GOAWAY PROTOCOL_ERROR), as in"
                + " Envoy")
        .rest(IGNORED, NOT_YET);
    b.message(HttpFilter.getDescriptor())
        .honoured("name", "typed_config")
        .honouredNote(
            "is_optional", "a filter type Attaché does not run is skipped instead of refused")
        .honouredNote(
            "disabled",
            "the filter runs only on routes whose typed_per_filter_config names it (and does not"
                + " disable it)")
        .rejected("config_discovery", "extension config discovery is not supported")
        .rest(IGNORED, NOT_YET);
    b.message(Router.getDescriptor())
        .honouredNote(
            "start_child_span",
            "a child span per upstream attempt; unlike spawn_upstream_span the proxy is not a hop"
                + " of its own: span kinds follow the traffic direction (Zipkin: an ingress child"
                + " shares the SERVER span's ids)")
        .rest(IGNORED, "router filter options are not supported yet");
    commonMessages(b);
    tlsMessages(b);
    routeMessages(b);
    resilienceMessages(b);
    healthMessages(b);
    rbacMessages(b);
    jwtAuthnMessages(b);
    localRateLimitMessages(b);
    corsMessages(b);
    unifiedMatcherMessages(b);
    serviceIdentityTokenMessages(b);
    extAuthzMessages(b);
    bufferMessages(b);
    headerToMetadataMessages(b);
    setMetadataMessages(b);
    compressorMessages(b);
    decompressorMessages(b);
    csrfMessages(b);
    admissionControlMessages(b);
    healthCheckMessages(b);
    grpcBridgeMessages(b);
    cacheMessages(b);
    clusterMessages(b);
    accessLogMessages(b);
    return b.build();
  }

  private static void resilienceMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.route.v3.RetryPolicy.getDescriptor())
        .honoured(
            "retry_on",
            "num_retries",
            "per_try_timeout",
            "retry_back_off",
            "rate_limited_retry_back_off",
            "retriable_status_codes",
            "retriable_headers",
            "retriable_request_headers",
            "retry_host_predicate",
            "host_selection_retry_max_attempts")
        .honouredNote(
            "per_try_idle_timeout",
            "a try whose upstream stays quiet this long is reset: retried before the response"
                + " started (as a reset), the stream reset after")
        .rejected("retry_priority", "retry priority plugins are not supported")
        .rejected("retry_options_predicates", "retry options predicates are not supported")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.getDescriptor())
        .honoured("base_interval", "max_interval");
    b.message(
            io.envoyproxy.envoy.config.route.v3.RetryPolicy.RateLimitedRetryBackOff.getDescriptor())
        .honoured("reset_headers", "max_interval");
    b.message(io.envoyproxy.envoy.config.route.v3.RetryPolicy.ResetHeader.getDescriptor())
        .honoured("name", "format");
    b.message(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.getDescriptor())
        .honoured("thresholds", "per_host_thresholds");
    b.message(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.getDescriptor())
        .honoured(
            "priority",
            "max_connections",
            "max_pending_requests",
            "max_requests",
            "max_retries",
            "retry_budget",
            "track_remaining",
            "max_connection_pools")
        .honouredNote(
            "max_connections",
            "over the limit an HTTP/1.1 request waits for a pooled connection; HTTP/2 multiplexes"
                + " onto an open one (upstream_cx_overflow counted)");
    b.message(
            io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget
                .getDescriptor())
        .honoured("budget_percent", "min_retry_concurrency");
    b.message(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
        .honoured(
            "delay",
            "abort",
            "upstream_cluster",
            "headers",
            "downstream_nodes",
            "max_active_faults",
            "disable_downstream_cluster_stats")
        .rejected("response_rate_limit", "response rate limiting is not implemented")
        .rest(
            IGNORED,
            "runtime keys are not read (only route match and request mirror runtime_fraction read"
                + " layered_runtime), so the"
                + " configured values apply");
    b.message(io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.getDescriptor())
        .honoured("http_status", "grpc_status", "header_abort", "percentage");
    b.message(io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay.getDescriptor())
        .honoured("fixed_delay", "header_delay", "percentage");
    b.message(
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
                .HttpConnectionManager.Tracing.getDescriptor())
        .honoured(
            "client_sampling",
            "random_sampling",
            "overall_sampling",
            "max_path_tag_length",
            "custom_tags",
            "provider",
            "spawn_upstream_span")
        .ignored("verbose", "no span logs");
    b.message(io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig.getDescriptor())
        .honouredNote(
            "grpc_service",
            "OTLP/gRPC through the cluster's pools and transport_socket (TLS, mTLS, SDS); a"
                + " static collector cluster must speak HTTP/2")
        .honouredNote(
            "http_service",
            "OTLP/HTTP protobuf POST through the cluster's pools and transport_socket; 429, 502,"
                + " 503 and 504 retried with jittered exponential backoff (5 attempts, 1 s x1.5 to"
                + " 5 s, Retry-After honoured)")
        .honoured("service_name")
        .rejected("resource_detectors", "resource detectors are not supported")
        .rejected("sampler", "sampler extensions are not supported")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor())
        .honouredNote(
            "collector_cluster",
            "reports POSTed through the cluster's pools and transport_socket; a missing cluster"
                + " counts reports_skipped_no_cluster")
        .honoured("collector_endpoint", "collector_hostname", "trace_id_128bit")
        .honouredNote(
            "collector_endpoint_version",
            "HTTP_JSON (Zipkin v2 JSON) and HTTP_PROTO (proto3 ListOfSpans, span and parent ids"
                + " little-endian as Envoy writes them); GRPC and the removed JSON v1 are refused")
        .honouredNote(
            "shared_span_context",
            "an ingress SERVER span reuses the caller's B3 span id and is reported shared")
        .honouredNote(
            "split_spans_for_request",
            "as spawn_upstream_span: a SERVER span downstream and a CLIENT span per upstream"
                + " attempt");
    b.message(io.envoyproxy.envoy.config.trace.v3.SkyWalkingConfig.getDescriptor())
        .honouredNote(
            "grpc_service",
            "envoy_grpc only: TraceSegmentReportService/collect through the cluster's pools and"
                + " transport_socket (HTTP/2), one collect stream per batch of segments; timeout is"
                + " each call's deadline; retry_policy and initial_metadata are refused")
        .honoured("client_config");
    b.message(io.envoyproxy.envoy.config.trace.v3.ClientConfig.getDescriptor())
        .honouredNote("service_name", "default: the node's cluster, else EnvoyProxy")
        .honouredNote("instance_name", "default: the node id, else EnvoyProxy")
        .honouredNote("backend_token", "sent as the authentication metadata")
        .honouredNote(
            "max_cache_size",
            "segments cached while the collector cannot be reached (1024); the oldest is dropped"
                + " beyond it (segments_dropped)");
    b.message(io.envoyproxy.envoy.config.trace.v3.DatadogConfig.getDescriptor())
        .honouredNote(
            "collector_cluster",
            "MessagePack /v0.4/traces POSTed through the cluster's pools and transport_socket every"
                + " 2 s; a missing cluster counts reports_skipped_no_cluster")
        .honouredNote("service_name", "default envoy")
        .honouredNote("collector_hostname", "the Host of every report; default the cluster name")
        .rejected("remote_config", "Datadog Remote Configuration is not supported");
    b.message(io.envoyproxy.envoy.config.core.v3.HttpService.getDescriptor())
        .honoured("http_uri")
        .honouredNote(
            "request_headers_to_add", "added to every export; append_action must be the default")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.HttpUri.getDescriptor())
        .honouredNote("uri", "its authority is the :authority and its path the request path")
        .honoured("cluster", "timeout");
  }

  /** {@code envoy.filters.http.jwt_authn}: docs/security.md, "JWT authentication". */
  private static void jwtAuthnMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                .getDescriptor())
        .honouredNote("providers", "RS*, PS*, ES256/384/512 and HS* tokens (JDK crypto)")
        .honouredNote(
            "rules", "first match wins: prefix, path, safe_regex, path_separated_prefix, headers")
        .honoured(
            "requirement_map", "bypass_cors_preflight", "strip_failure_response", "stat_prefix")
        .rejected("filter_state_rules", "there is no filter state");
    b.message(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.getDescriptor())
        .honoured(
            "issuer",
            "audiences",
            "local_jwks",
            "forward",
            "from_headers",
            "from_params",
            "forward_payload_header",
            "pad_forward_payload_header",
            "claim_to_headers")
        .honouredNote("remote_jwks", "fetched through its cluster when a token needs it; cached")
        .honouredNote("clock_skew_seconds", "default 60")
        .rejected("subjects", "subject matching is not implemented")
        .rejected("require_expiration", "not implemented")
        .rejected("max_lifetime", "not implemented")
        .rejected("from_cookies", "tokens in cookies are not read")
        .rejected("jwt_cache_config", "verified tokens are not cached")
        .rejected("clear_route_cache", "the route is not recomputed after the filter")
        .honouredNote(
            "payload_in_metadata",
            "the verified payload under this field of the envoy.filters.http.jwt_authn dynamic"
                + " metadata (the first token to claim a field keeps it)")
        .honouredNote("header_in_metadata", "the verified token's JOSE header, likewise")
        .honouredNote(
            "normalize_payload_in_metadata",
            "space_delimited_claims: a top-level string claim becomes the list of its words")
        .ignored(
            "failed_status_in_metadata",
            "jwt_verify_lib's numeric status codes are not reproduced; the failure is in the"
                + " response code details");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.NormalizePayload
                .getDescriptor())
        .honoured("space_delimited_claims");
    b.message(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks.getDescriptor())
        .honoured("http_uri")
        .honouredNote("cache_duration", "default 10 min, on the proxy's monotonic clock")
        .rejected("async_fetch", "keys are fetched on first use only")
        .rejected("retry_policy", "a failed fetch is not retried; the next request fetches again");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.getDescriptor())
        .honoured(
            "provider_name",
            "provider_and_audiences",
            "requires_any",
            "requires_all",
            "allow_missing",
            "allow_missing_or_failed");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor())
        .honoured("disabled", "requirement_name");
  }

  /**
   * {@code attache.filters.http.service_identity_token} (Attaché's own; Envoy refuses it):
   * docs/security.md, "Signed caller identity".
   */
  private static void serviceIdentityTokenMessages(FieldSupport.Builder b) {
    b.message(io.attache.api.ext.v1.ServiceIdentityToken.getDescriptor())
        .honoured("issuer", "subject", "signing_key")
        .honouredNote(
            "signing_key_sds_secret_name",
            "an SDS generic_secret holding the private JWK (EC P-256 with kid), over ADS; the"
                + " listener waits for it; each rotation is used from the next token on")
        .honouredNote("lifetime", "default 5m, 1s to 24h; re-minted when less than half is left")
        .honouredNote("header", "default x-service-identity; authorization carries Bearer <token>");
    b.message(io.attache.api.ext.v1.SigningKey.getDescriptor())
        .honouredNote("kid", "the JWS header's kid")
        .honouredNote("private_key_pem", "PKCS#8 PEM of an EC P-256 key; tokens are ES256");
    b.message(io.attache.api.ext.v1.ServiceIdentityTokenPerRoute.getDescriptor())
        .honouredNote("audience", "the token's aud; empty or absent: no token on the route");
  }

  /** {@code envoy.filters.http.buffer}: docs/data-plane.md, "Buffer". */
  private static void bufferMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.buffer.v3.Buffer.getDescriptor())
        .honouredNote(
            "max_request_bytes",
            "the stream's decoder buffer limit while the whole request is buffered; past it 413"
                + " (downstream_rq_too_large). A content-length is added when absent");
    b.message(io.envoyproxy.envoy.extensions.filters.http.buffer.v3.BufferPerRoute.getDescriptor())
        .honoured("disabled", "buffer");
  }

  /** {@code envoy.filters.http.header_to_metadata}: docs/data-plane.md, "Header to metadata". */
  private static void headerToMetadataMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config
                .getDescriptor())
        .honouredNote(
            "request_rules", "run on the request headers, before the filters after this one")
        .honouredNote("response_rules", "run on the response headers, local replies included");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config.Rule
                .getDescriptor())
        .honouredNote(
            "header",
            "all values joined with ','; :method, :path, :authority, :scheme (request) and"
                + " :status (response) readable")
        .honoured("cookie", "on_header_present", "on_header_missing")
        .honouredNote("remove", "not for cookies or pseudo-headers (rejected)");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config.KeyValuePair
                .getDescriptor())
        .honouredNote("metadata_namespace", "default envoy.filters.http.header_to_metadata")
        .honoured("key", "value", "regex_value_rewrite")
        .honouredNote(
            "type",
            "STRING, NUMBER (decimal/exponent forms), PROTOBUF_VALUE (a serialised"
                + " google.protobuf.Value); a value that does not convert is skipped")
        .honouredNote("encode", "BASE64 (padding optional); undecodable or empty is skipped");
  }

  /** {@code envoy.filters.http.set_metadata}: docs/data-plane.md, "Set metadata". */
  private static void setMetadataMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Config.getDescriptor())
        .honouredNote("metadata_namespace", "deprecated; with value, written first")
        .honouredNote("value", "deprecated; merged into the namespace (may overwrite)")
        .honouredNote("metadata", "written in order on the request headers");
    b.message(io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Metadata.getDescriptor())
        .honoured("metadata_namespace", "value")
        .honouredNote(
            "allow_overwrite",
            "merges into an existing namespace as Envoy's StructUtil::update (structs recursively,"
                + " lists appended, scalars replaced); otherwise counted in overwrite_denied")
        .rejected("typed_value", "there is no typed dynamic metadata");
  }

  /** {@code envoy.filters.http.compressor}: docs/data-plane.md, "Compression". */
  private static void compressorMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.getDescriptor())
        .honouredNote(
            "compressor_library",
            "envoy.compression.gzip.compressor (java.util.zip), .brotli.compressor (brotli4j),"
                + " .zstd.compressor (zstd-jni)")
        .honoured("request_direction_config", "response_direction_config", "choose_first")
        .honouredNote("content_length", "deprecated; used when response_direction_config is absent")
        .honouredNote("content_type", "deprecated; used when response_direction_config is absent")
        .honouredNote(
            "disable_on_etag_header", "deprecated; used when response_direction_config is absent")
        .honouredNote(
            "remove_accept_encoding_header",
            "deprecated; used when response_direction_config is absent")
        .honouredNote(
            "runtime_enabled", "deprecated; used when response_direction_config is absent");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor
                .CommonDirectionConfig.getDescriptor())
        .honouredNote("enabled", "default_value, and runtime_key read per request")
        .honouredNote("min_content_length", "default 30; a streamed body has no length to check")
        .honouredNote("content_type", "media type compared case-insensitively; Envoy's defaults");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor
                .RequestDirectionConfig.getDescriptor())
        .honoured("common_config");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor
                .ResponseDirectionConfig.getDescriptor())
        .honoured("common_config", "remove_accept_encoding_header", "uncompressible_response_codes")
        .honouredNote(
            "disable_on_etag_header",
            "false: a strong etag is removed from a compressed response, a weak one kept (Envoy)");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                .getDescriptor())
        .honoured("disabled", "overrides");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorOverrides
                .getDescriptor())
        .honoured("response_direction_config");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.compressor.v3.ResponseDirectionOverrides
                .getDescriptor())
        .honoured("remove_accept_encoding_header");
    b.message(io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.getDescriptor())
        .honouredNote("compression_level", "java.util.zip.Deflater levels, one to one")
        .honouredNote(
            "compression_strategy",
            "DEFAULT_STRATEGY, FILTERED, HUFFMAN_ONLY; RLE and FIXED are refused (Deflater has"
                + " neither)")
        .honouredNote("chunk_size", "the output buffer size")
        .ignored(
            "window_bits",
            "validated (9-15); Deflater always uses a 15-bit window: more memory per stream,"
                + " output is gzip either way")
        .ignored(
            "memory_level",
            "validated (1-9); Deflater always uses memory level 8: more memory per stream, output"
                + " is gzip either way");
    b.message(
            io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli.getDescriptor())
        .honouredNote("quality", "default 3 (Envoy's), 0-11")
        .honouredNote("window_bits", "default 18 (Envoy's), 10-24")
        .honouredNote("encoder_mode", "DEFAULT is brotli's GENERIC; TEXT, FONT one to one")
        .honouredNote("chunk_size", "bytes handed to the native encoder at a time")
        .rejected("input_block_bits", "brotli4j does not expose BROTLI_PARAM_LGBLOCK")
        .rejected(
            "disable_literal_context_modeling",
            "true is refused: brotli4j does not expose the parameter (false is brotli's default)");
    b.message(io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.getDescriptor())
        .honouredNote("compression_level", "0 or unset is zstd's default (3)")
        .honoured("enable_checksum", "strategy")
        .honouredNote(
            "chunk_size",
            "the output buffer (default 4096; Envoy's is ZSTD_CStreamOutSize): only the chunking"
                + " differs")
        .rejected("dictionary", "Attaché loads no zstd dictionaries");
  }

  /** {@code envoy.filters.http.decompressor}: docs/data-plane.md, "Decompression". */
  private static void decompressorMessages(FieldSupport.Builder b) {
    // The compressor's and decompressor's CommonDirectionConfig.enabled.
    b.message(io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag.getDescriptor())
        .honoured("default_value")
        .honouredNote("runtime_key", "read from layered_runtime per request");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor
                .getDescriptor())
        .honouredNote(
            "decompressor_library",
            "envoy.compression.gzip.decompressor (java.util.zip), .brotli.decompressor"
                + " (brotli4j), .zstd.decompressor (zstd-jni)")
        .honoured("request_direction_config", "response_direction_config");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor
                .CommonDirectionConfig.getDescriptor())
        .honouredNote("enabled", "default_value, and runtime_key read per message")
        .honoured("ignore_no_transform_header");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor
                .RequestDirectionConfig.getDescriptor())
        .honoured("common_config")
        .honouredNote(
            "advertise_accept_encoding",
            "default true: the library's coding appended to accept-encoding once, any q-value of it"
                + " dropped");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor
                .ResponseDirectionConfig.getDescriptor())
        .honoured("common_config");
    b.message(io.envoyproxy.envoy.extensions.compression.gzip.decompressor.v3.Gzip.getDescriptor())
        .honouredNote("chunk_size", "the output buffer size")
        .honouredNote(
            "max_inflate_ratio",
            "default 100, per chunk as Envoy; beyond it zlib_data_error and no more output")
        .ignored(
            "window_bits",
            "validated (9-15); Inflater always keeps a 15-bit window, so it also inflates streams"
                + " a smaller window would refuse");
    b.message(
            io.envoyproxy.envoy.extensions.compression.brotli.decompressor.v3.Brotli
                .getDescriptor())
        .honouredNote("chunk_size", "bytes handed to the native decoder at a time")
        .rejected(
            "disable_ring_buffer_reallocation",
            "true is refused: brotli4j does not expose the parameter");
    b.message(io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd.getDescriptor())
        .honouredNote("chunk_size", "the output buffer size")
        .rejected("dictionaries", "Attaché loads no zstd dictionaries");
  }

  /** {@code envoy.filters.http.csrf}: docs/data-plane.md, "CSRF". */
  private static void csrfMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.csrf.v3.CsrfPolicy.getDescriptor())
        .honouredNote(
            "filter_enabled", "default_value, and runtime_key read per request; drawn per request")
        .honouredNote("shadow_enabled", "counted, never enforced; drawn per request")
        .honouredNote("additional_origins", "matched against the source origin's host and port");
  }

  /** The gRPC HTTP/1.1 bridges: docs/data-plane.md, "gRPC HTTP/1.1 bridges". */
  private static void grpcBridgeMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.grpc_http1_bridge.v3.Config.getDescriptor())
        .honouredNote(
            "upgrade_protobuf_to_grpc",
            "an application/x-protobuf request is framed as one gRPC message (content-length"
                + " dropped); the response's frame header is taken off")
        .honouredNote(
            "ignore_query_parameters", "the query is dropped from a bridged request's :path");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig
                .getDescriptor())
        .honouredNote(
            "content_type", "sent upstream as content-type and accept; the response must match")
        .honouredNote(
            "withhold_grpc_frames",
            "the request's frame header taken off (content-length adjusted), the response's added")
        .honouredNote(
            "response_size_header",
            "the response streams with its frame header from this header's first value; a"
                + " missing value is INTERNAL, a body of another size resets the stream");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3
                .FilterConfigPerRoute.getDescriptor())
        .honoured("disabled");
  }

  /** {@code envoy.filters.http.admission_control}: docs/data-plane.md, "Admission control". */
  private static void admissionControlMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                .getDescriptor())
        .honouredNote("enabled", "unset: enabled; runtime_key read per request")
        .honoured("success_criteria")
        .honouredNote(
            "sampling_window",
            "whole seconds (default 30), one-second buckets; one history per listener (Envoy: per"
                + " worker)")
        .honouredNote("aggression", "default 1.0; below 1.0 means 1.0")
        .honouredNote("sr_threshold", "default 95 %; below 1 % refused")
        .honouredNote("rps_threshold", "default 0; the window's average requests per second")
        .honouredNote("max_rejection_probability", "default 80 %");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                .SuccessCriteria.getDescriptor())
        .honouredNote("http_criteria", "unset: every status below 500 is a success")
        .honouredNote(
            "grpc_criteria", "unset: Envoy's default list (0, 1, 2, 3, 5, 6, 7, 9, 11, 12, 16)");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                .SuccessCriteria.HttpCriteria.getDescriptor())
        .honouredNote("http_success_status", "half-open ranges [start, end) within 100-600");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                .SuccessCriteria.GrpcCriteria.getDescriptor())
        .honouredNote("grpc_success_status", "codes 0-16");
    b.message(io.envoyproxy.envoy.config.core.v3.RuntimeDouble.getDescriptor())
        .honoured("default_value")
        .honouredNote("runtime_key", "read from layered_runtime per request");
    b.message(io.envoyproxy.envoy.config.core.v3.RuntimePercent.getDescriptor())
        .honoured("default_value")
        .honouredNote(
            "runtime_key", "read from layered_runtime per request; outside 0-100: the default");
    b.message(io.envoyproxy.envoy.config.core.v3.RuntimeUInt32.getDescriptor())
        .honoured("default_value")
        .honouredNote("runtime_key", "read from layered_runtime per request");
  }

  /** {@code envoy.filters.http.cache}: docs/data-plane.md, "HTTP cache filter". */
  private static void cacheMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig.getDescriptor())
        .honouredNote(
            "typed_config",
            "SimpleHttpCacheConfig only: in memory, bounded to 64 MiB per listener (least recently"
                + " used entries evicted; Envoy's simple cache is unbounded)")
        .honouredNote("disabled", "true: the filter does nothing")
        .honouredNote(
            "allowed_vary_headers",
            "a response whose vary names another header (or *) is not stored; variants are told"
                + " apart by the request's values of the named headers")
        .honouredNote(
            "key_creator_params",
            "as the proto documents it; Envoy 1.40 does not implement it (not-implemented-hide)")
        .honouredNote(
            "max_body_bytes",
            "a longer response is passed on but not stored; Envoy 1.40 does not implement it")
        .honouredNote(
            "ignore_request_cache_control_header",
            "request cache-control and pragma are not read: no forced validation, max-age,"
                + " min-fresh, max-stale or no-store");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig.KeyCreatorParams
                .getDescriptor())
        .honoured(
            "exclude_scheme",
            "exclude_host",
            "query_parameters_included",
            "query_parameters_excluded");
    b.message(
        io.envoyproxy.envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
            .getDescriptor());
  }

  /** {@code envoy.filters.http.health_check}: docs/data-plane.md, "Health check filter". */
  private static void healthCheckMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck.getDescriptor())
        .honouredNote(
            "pass_through_mode",
            "required; false: answered by the proxy (503 while /healthcheck/fail or draining)")
        .honouredNote("cache_time", "pass-through mode only, as in Envoy")
        .honouredNote(
            "cluster_min_healthy_percentages",
            "healthy plus degraded hosts against membership_total; a missing cluster is 503")
        .honouredNote("headers", "all must match; pseudo-headers :path, :method, :authority");
  }

  /** {@code envoy.filters.http.cors}: docs/data-plane.md, "CORS". */
  /**
   * Envoy's unified matcher ({@code xds.type.matcher.v3.Matcher}) as {@code ExtensionWithMatcher}
   * uses it, and the filter actions it runs.
   */
  private static void unifiedMatcherMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher.getDescriptor())
        .honouredNote(
            "extension_config",
            "any HTTP filter Attaché runs but the router; created under the HttpFilter's name, so"
                + " its per-route config is looked up by that name")
        .honouredNote(
            "xds_matcher",
            "evaluated per stream on request headers and trailers, then on response headers and"
                + " trailers, until it decides;"
                + " SkipFilter skips the wrapped filter for the rest of the stream, no match or no"
                + " decision yet runs it")
        .honouredNote("matcher", "as xds_matcher (the deprecated Envoy copy of the message)");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                .getDescriptor())
        .honouredNote(
            "typed_config",
            "the filter the composite runs for the stream in its place (any HTTP filter Attaché"
                + " runs but the router)")
        .rejected("dynamic_config", "filter config discovery (ECDS) is not supported")
        .rejected("sample_percent", "sampled execution is not supported");
    b.message(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.getDescriptor())
        .honoured("name", "typed_config");
    b.message(com.github.xds.core.v3.TypedExtensionConfig.getDescriptor())
        .honoured("name", "typed_config");
    b.message(io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput.getDescriptor())
        .honouredNote("header_name", "every value joined with \",\"; :authority, :path, ...");
    b.message(io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput.getDescriptor())
        .honouredNote("header_name", "every value joined with \",\"; :status");
    b.message(io.envoyproxy.envoy.type.matcher.v3.HttpRequestTrailerMatchInput.getDescriptor())
        .honouredNote(
            "header_name",
            "every value joined with \",\"; no value until the trailers arrived (a request"
                + " without trailers never decides on it)");
    b.message(io.envoyproxy.envoy.type.matcher.v3.HttpResponseTrailerMatchInput.getDescriptor())
        .honouredNote(
            "header_name",
            "every value joined with \",\"; no value until the trailers arrived (a response"
                + " without trailers never decides on it)");
    b.message(io.envoyproxy.envoy.type.matcher.v3.HttpRequestQueryParamMatchInput.getDescriptor())
        .honouredNote("query_param", "the first value, percent-decoded");
    b.message(com.github.xds.type.matcher.v3.Matcher.getDescriptor())
        .honoured("matcher_list", "matcher_tree", "on_no_match");
    b.message(com.github.xds.type.matcher.v3.Matcher.OnMatch.getDescriptor())
        .honoured("matcher", "action");
    b.message(com.github.xds.type.matcher.v3.Matcher.MatcherList.getDescriptor())
        .honouredNote("matchers", "the first whose predicate is true (and whose on_match decides)");
    b.message(com.github.xds.type.matcher.v3.Matcher.MatcherList.FieldMatcher.getDescriptor())
        .honoured("predicate", "on_match");
    b.message(com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate.getDescriptor())
        .honoured("single_predicate", "or_matcher", "and_matcher", "not_matcher");
    b.message(
            com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate.SinglePredicate
                .getDescriptor())
        .honoured("input", "value_match")
        .rejected("custom_match", "custom matchers are not supported");
    b.message(
            com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate.PredicateList
                .getDescriptor())
        .honoured("predicate");
    b.message(com.github.xds.type.matcher.v3.Matcher.MatcherTree.getDescriptor())
        .honoured("input", "exact_match_map")
        .honouredNote("prefix_match_map", "longest matching prefix first")
        .honouredNote(
            "custom_match",
            "xds.type.matcher.v3.IPMatcher (envoy.matching.custom_matchers.trie_matcher) only");
    b.message(com.github.xds.type.matcher.v3.IPMatcher.getDescriptor())
        .honouredNote(
            "range_matchers",
            "the ranges holding the input's IP address, longest prefix first, then in order;"
                + " each decides or lets the next try; a value that is no IP address matches"
                + " nothing");
    b.message(com.github.xds.type.matcher.v3.IPMatcher.IPRangeMatcher.getDescriptor())
        .honoured("ranges", "on_match")
        .honouredNote("exclusive", "tried only when it is the longest matching range");
    b.message(com.github.xds.core.v3.CidrRange.getDescriptor())
        .honoured("address_prefix")
        .honouredNote("prefix_len", "absent is 0: the whole family");
    networkInputMessages(b);
    b.message(com.github.xds.type.matcher.v3.Matcher.MatcherTree.MatchMap.getDescriptor())
        .honoured("map");
    b.message(com.github.xds.type.matcher.v3.StringMatcher.getDescriptor())
        .honoured("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case")
        .rejected("custom", "custom string matchers are not supported");
    b.message(com.github.xds.type.matcher.v3.RegexMatcher.getDescriptor())
        .honouredNote("regex", "RE2 syntax, RE2/J")
        .honoured("google_re2");
  }

  /**
   * The network inputs of a listener's {@code filter_chain_matcher}, read as Envoy reads them; they
   * have no fields. (Each input type is listed so docs/xds-support.md names it.)
   */
  private static void networkInputMessages(FieldSupport.Builder b) {
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourcePortInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ServerNameInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput
            .getDescriptor());
    b.message(
        io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput
            .getDescriptor());
  }

  private static void corsMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
        .rest(IGNORED, "the filter has no fields; policies come from typed_per_filter_config");
    b.message(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
        .honouredNote(
            "allow_origin_string_match",
            "the first level (route before virtual host) with matchers decides; a matcher that"
                + " matches \"*\" allows every origin")
        .honouredNote("allow_methods", "\"*\" echoes access-control-request-method")
        .honouredNote("allow_headers", "\"*\" echoes access-control-request-headers")
        .honoured(
            "expose_headers",
            "max_age",
            "allow_credentials",
            "allow_private_network_access",
            "forward_not_matching_preflights")
        .honouredNote(
            "filter_enabled",
            "default_value only (its runtime_key is not looked up); unset: enabled; taken from the"
                + " most specific policy")
        .honouredNote(
            "shadow_enabled",
            "default_value only (its runtime_key is not looked up); counts origin_valid /"
                + " origin_invalid without acting")
        .rest(IGNORED, NOT_YET);
  }

  /** The bootstrap's {@code overload_manager}: docs/data-plane.md, "Overload manager". */
  private static void overloadMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.overload.v3.OverloadManager.getDescriptor())
        .honouredNote("refresh_interval", "default 1 s, as Envoy")
        .honouredNote(
            "resource_monitors",
            "envoy.resource_monitors.fixed_heap and the proactive"
                + " envoy.resource_monitors.global_downstream_max_connections (by that name only,"
                + " as Envoy); others are refused")
        .honouredNote(
            "actions",
            "stop_accepting_requests, disable_http_keepalive and shrink_heap; other actions are"
                + " refused")
        .rejected(
            "buffer_factory_config",
            "buffers are not accounted per stream (reset_high_memory_stream is not run)");
    b.message(io.envoyproxy.envoy.config.overload.v3.ResourceMonitor.getDescriptor())
        .honoured("name", "typed_config");
    b.message(io.envoyproxy.envoy.config.overload.v3.OverloadAction.getDescriptor())
        .honoured("name", "triggers")
        .rejected("typed_config", "no supported action takes one");
    b.message(io.envoyproxy.envoy.config.overload.v3.Trigger.getDescriptor())
        .honoured("name", "threshold", "scaled");
    b.message(io.envoyproxy.envoy.config.overload.v3.ThresholdTrigger.getDescriptor())
        .honouredNote("value", "saturated at or above it");
    b.message(io.envoyproxy.envoy.config.overload.v3.ScaledTrigger.getDescriptor())
        .honoured("scaling_threshold", "saturation_threshold");
    b.message(
            io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                .getDescriptor())
        .honouredNote(
            "max_heap_size_bytes",
            "pressure = the JVM heap's used bytes (MemoryMXBean) / this; see docs/data-plane.md");
    b.message(
            io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3
                .DownstreamConnectionsConfig.getDescriptor())
        .honouredNote(
            "max_active_downstream_connections",
            "past it every listener closes a new connection at accept"
                + " (listener.<x>.downstream_global_cx_overflow,"
                + " overload.<monitor>.failed_updates); see docs/data-plane.md");
  }

  /** {@code envoy.filters.http.ext_authz}: docs/data-plane.md, "External authorization". */
  private static void extAuthzMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor())
        .honouredNote(
            "grpc_service",
            "envoy_grpc only: Authorization/Check over the cluster's HTTP/2 pool; timeout default"
                + " 200 ms; retry_policy and google_grpc refused")
        .honouredNote(
            "http_service", "through server_uri.cluster; a 5xx answer is an error, as in Envoy")
        .honouredNote(
            "transport_api_version",
            "any value: the check always goes to envoy.service.auth.v3, as in Envoy 1.40, which"
                + " accepts AUTO, V2 and V3")
        .honoured(
            "failure_mode_allow",
            "failure_mode_allow_header_add",
            "with_request_body",
            "clear_route_cache",
            "status_on_error",
            "stat_prefix",
            "allowed_headers",
            "disallowed_headers")
        .honouredNote(
            "filter_enabled", "default_value only (its runtime_key is not looked up); unset: on")
        .honouredNote(
            "deny_at_disable",
            "default_value only (its runtime_key is not looked up); answers status_on_error")
        .honouredNote(
            "charge_cluster_response_stats",
            "a denial charges upstream_rq_<code> of the route's cluster; false is not honoured")
        .ignored("metadata_context_namespaces", "dynamic metadata is not sent to the service yet")
        .ignored(
            "typed_metadata_context_namespaces", "dynamic metadata is not sent to the service yet")
        .ignored(
            "enable_dynamic_metadata_ingestion", "the service's dynamic metadata is not read yet")
        .ignored("filter_metadata", "ext_authz does not write dynamic metadata yet")
        .ignored("emit_filter_state_stats", "there is no filter state")
        .rejected("route_metadata_context_namespaces", "route metadata is not sent")
        .rejected("route_typed_metadata_context_namespaces", "route metadata is not sent")
        .rejected("filter_enabled_metadata", "not implemented")
        .rejected("include_peer_certificate", "the peer certificate is not sent yet")
        .rejected("include_tls_session", "the TLS session is not sent yet")
        .rejected("bootstrap_metadata_labels_key", "node labels are not sent")
        .rejected("encode_raw_headers", "headers are sent in the headers map only")
        .rejected("validate_mutations", "header mutations are not validated yet")
        .rejected("decoder_header_mutation_rules", "header mutation rules are not supported yet")
        .rest(IGNORED, NOT_YET);
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings.getDescriptor())
        .honouredNote(
            "max_request_bytes",
            "without allow_partial_message a larger body is answered 413 by the stream's buffer"
                + " limit")
        .honoured("allow_partial_message", "pack_as_bytes");
    b.message(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService.getDescriptor())
        .honoured("server_uri", "authorization_request", "authorization_response")
        .honouredNote("path_prefix", "prepended to the client's path");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationRequest
                .getDescriptor())
        .honoured("headers_to_add")
        .rejected("allowed_headers", "deprecated: use ExtAuthz.allowed_headers");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse
                .getDescriptor())
        .honoured(
            "allowed_upstream_headers",
            "allowed_upstream_headers_to_append",
            "allowed_client_headers",
            "allowed_client_headers_on_success")
        .rejected(
            "dynamic_metadata_from_headers",
            "the service's headers are not copied to metadata yet");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                .getDescriptor())
        .honoured("disabled", "check_settings");
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.CheckSettings.getDescriptor())
        .honouredNote(
            "context_extensions", "merged over every level, the most specific winning per key")
        .honoured("disable_request_body_buffering", "with_request_body");
  }

  /** {@code envoy.filters.http.local_ratelimit}: docs/data-plane.md, "Local rate limit". */
  private static void localRateLimitMessages(FieldSupport.Builder b) {
    b.message(
            io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                .getDescriptor())
        .honouredNote(
            "stat_prefix",
            "counters <stat_prefix>.http_local_rate_limit.{enabled,ok,rate_limited,enforced}")
        .honouredNote("status", "default 429; a code below 400 means 429")
        .honouredNote(
            "token_bucket",
            "shared by every worker of the listener; a route's own config has its own bucket")
        .honouredNote(
            "filter_enabled",
            "default_value only (its runtime_key is not looked up); unset: the filter is off")
        .honouredNote(
            "filter_enforced",
            "default_value only (its runtime_key is not looked up); unset: over-limit requests pass")
        .honoured(
            "request_headers_to_add_when_not_enforced",
            "response_headers_to_add",
            "enable_x_ratelimit_headers",
            "always_consume_default_token_bucket",
            "rate_limited_as_resource_exhausted")
        .honouredNote(
            "descriptors",
            "exact entries; strictest bucket first; an entry without a value is refused")
        .honouredNote(
            "rate_limits",
            "actions generic_key, request_headers, query_parameters, remote_address,"
                + " masked_remote_address, destination_cluster, source_cluster,"
                + " header_value_match; when empty, the route's and virtual host's rate_limits"
                + " make the descriptors")
        .honouredNote("stage", "selects the route's and virtual host's rate_limits of that stage")
        .honouredNote(
            "vh_rate_limits",
            "read from the route's own config (else OVERRIDE), as Envoy does; the route's"
                + " include_vh_rate_limits means INCLUDE")
        .ignored("max_dynamic_descriptors", "dynamic descriptors are refused")
        .rejected(
            "local_rate_limit_per_downstream_connection",
            "per-connection buckets are not supported")
        .rejected("local_cluster_rate_limit", "sharing a limit across the local cluster")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.type.v3.TokenBucket.getDescriptor())
        .honouredNote("max_tokens", "the bucket starts full")
        .honouredNote("tokens_per_fill", "default 1")
        .honouredNote("fill_interval", "at least 50 ms; whole milliseconds");
    b.message(
            io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor
                .getDescriptor())
        .honoured("entries", "token_bucket");
    b.message(
            io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry
                .getDescriptor())
        .honoured("key", "value");
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.getDescriptor())
        .honoured("actions")
        .honouredNote(
            "stage",
            "a route's or virtual host's entry applies to the local rate limit filter of the same"
                + " stage")
        .honouredNote(
            "disable_key",
            "a route's or virtual host's entry with one is skipped by the local rate limit filter,"
                + " as Envoy's does; refused in the filter's own rate_limits")
        .rejected("limit", "dynamic limit overrides are not supported")
        .rejected("hits_addend", "hits_addend is not supported")
        .rejected("apply_on_stream_done", "not supported")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.Action.getDescriptor())
        .honoured(
            "generic_key",
            "request_headers",
            "query_parameters",
            "remote_address",
            "masked_remote_address",
            "destination_cluster",
            "source_cluster",
            "header_value_match")
        .rest(FieldSupport.Status.REJECTED, "this rate limit action is not supported");
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.Action.GenericKey.getDescriptor())
        .honoured("descriptor_value", "descriptor_key");
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.Action.RequestHeaders.getDescriptor())
        .honoured("header_name", "descriptor_key", "skip_if_absent");
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.Action.QueryParameters.getDescriptor())
        .honoured("query_parameter_name", "descriptor_key", "skip_if_absent");
    b.message(
            io.envoyproxy.envoy.config.route.v3.RateLimit.Action.MaskedRemoteAddress
                .getDescriptor())
        .honoured("v4_prefix_mask_len", "v6_prefix_mask_len");
    b.message(io.envoyproxy.envoy.config.route.v3.RateLimit.Action.HeaderValueMatch.getDescriptor())
        .honoured("descriptor_key", "descriptor_value", "expect_match", "headers");
  }

  /** {@code envoy.filters.http.rbac}: docs/data-plane.md, "RBAC". */
  private static void rbacMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
        .honouredNote("rules", "no rules: the filter enforces nothing")
        .honouredNote(
            "shadow_rules",
            "evaluated and counted (shadow_allowed/shadow_denied) only; the result and the matched"
                + " policy go to dynamic metadata envoy.filters.http.rbac"
                + " ([shadow_rules_stat_prefix]shadow_engine_result, shadow_effective_policy_id)")
        .honoured("rules_stat_prefix", "shadow_rules_stat_prefix")
        .honouredNote(
            "matcher",
            "a unified matcher on HttpRequestHeaderMatchInput and the network inputs (source,"
                + " direct source, destination, source type; as Envoy, not ServerNameInput here)"
                + " whose actions are config.rbac.v3.Action; takes the place of rules; the matched action's name is"
                + " the policy in response code details; no match denies, as in Envoy")
        .honouredNote(
            "shadow_matcher",
            "as matcher, in place of shadow_rules: counted and written to dynamic metadata only")
        .rejected("track_per_rule_stats", "per-policy stats are not emitted");
    b.message(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
        .rejected(
            "rbac",
            "the RBAC filter runs before routing and takes no per-route config; refused, not"
                + " ignored");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Action.getDescriptor())
        .honouredNote("name", "the policy name reported for the match")
        .honouredNote("action", "ALLOW and LOG allow, DENY denies");
    b.message(io.envoyproxy.envoy.config.rbac.v3.RBAC.getDescriptor())
        .honouredNote("action", "ALLOW, DENY, LOG (LOG allows and logs the matched policy)")
        .honouredNote("policies", "tried in name order; the first match is the one reported")
        .rejected("audit_logging_options", "audit loggers are not implemented");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Policy.getDescriptor())
        .honoured("permissions", "principals")
        .rejected("condition", "CEL expressions are not implemented")
        .rejected("checked_condition", "CEL expressions are not implemented");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Permission.getDescriptor())
        .honoured(
            "and_rules",
            "or_rules",
            "any",
            "header",
            "url_path",
            "destination_ip",
            "destination_port",
            "destination_port_range",
            "not_rule")
        .honouredNote("metadata", RBAC_METADATA_NOTE)
        .honouredNote("sourced_metadata", "metadata_source DYNAMIC; ROUTE is rejected")
        .rejected("requested_server_name", "the downstream TLS SNI is not available to RBAC yet")
        .rejected("matcher", "permission matcher extensions are not supported")
        .rejected("uri_template", "URI template matchers are not supported");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Permission.Set.getDescriptor()).honoured("rules");
    b.message(io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata.getDescriptor())
        .honoured("metadata_matcher")
        .honouredNote("metadata_source", "DYNAMIC; ROUTE is rejected (route metadata is not read)");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Principal.getDescriptor())
        .honoured("and_ids", "or_ids", "any", "direct_remote_ip", "header", "url_path", "not_id")
        .honouredNote(
            "authenticated",
            "a verified client certificate (PeerIdentity); plaintext connections never match")
        .honouredNote(
            "remote_ip",
            "the trusted client address the connection manager decided on (use_remote_address,"
                + " xff_num_trusted_hops, x-forwarded-for)")
        .honouredNote("source_ip", "deprecated; the socket peer, like direct_remote_ip")
        .honouredNote("metadata", RBAC_METADATA_NOTE)
        .honouredNote("sourced_metadata", "metadata_source DYNAMIC; ROUTE is rejected")
        .rejected("filter_state", "filter state is not produced by Attaché")
        .rejected("custom", "custom principal extensions are not supported");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Principal.Set.getDescriptor()).honoured("ids");
    b.message(io.envoyproxy.envoy.config.rbac.v3.Principal.Authenticated.getDescriptor())
        .honouredNote(
            "principal_name",
            "matched against every URI SAN, then every DNS SAN, then the subject");
    b.message(io.envoyproxy.envoy.config.core.v3.CidrRange.getDescriptor())
        .honoured("address_prefix", "prefix_len");
    b.message(io.envoyproxy.envoy.type.matcher.v3.PathMatcher.getDescriptor())
        .honouredNote("path", "the :path without query and fragment");
    b.message(io.envoyproxy.envoy.type.v3.Int32Range.getDescriptor()).honoured("start", "end");
  }

  /** TLS contexts, secrets and SDS references (transport sockets, static and SDS secrets). */
  private static void tlsMessages(FieldSupport.Builder b) {
    String ext = "io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.";
    b.message(io.envoyproxy.envoy.config.core.v3.TransportSocket.getDescriptor())
        .honouredNote("name", "envoy.transport_sockets.tls or envoy.transport_sockets.raw_buffer")
        .honoured("typed_config");
    b.message(
        io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor());
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                .getDescriptor())
        .honoured("common_tls_context")
        .honouredNote("sni", "sent as given; no SNI when empty (Envoy does not derive it)")
        .rejected("auto_host_sni", "set sni instead")
        .rejected("auto_sni_san_validation", "use match_typed_subject_alt_names")
        .ignored("allow_renegotiation", "the JDK provider never renegotiates")
        .ignored("max_session_keys", "the JDK provider keeps its own session cache")
        .ignored("enforce_rsa_key_usage", "the JDK provider checks key usage itself");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                .getDescriptor())
        .honoured("common_tls_context")
        .honouredNote(
            "require_client_certificate",
            "needs a validation context; a client without a certificate fails the handshake")
        .rejected("require_sni", "SNI is not checked")
        .rejected("session_ticket_keys", "session tickets are not supported")
        .rejected("session_ticket_keys_sds_secret_config", "session tickets are not supported")
        .ignored("disable_stateless_session_resumption", "no session tickets are issued")
        .ignored("disable_stateful_session_resumption", "the JDK provider's session cache is used")
        .ignored("session_timeout", "the JDK provider's session timeout is used")
        .ignored("ocsp_staple_policy", "OCSP stapling is not supported")
        .ignored("full_scan_certs_on_sni_mismatch", "one certificate per context")
        .ignored("prefer_client_ciphers", "the JDK provider's preference is used");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext
                .getDescriptor())
        .honoured("tls_params", "validation_context", "validation_context_sds_secret_config")
        .honouredNote("tls_certificates", "at most one certificate per context")
        .honouredNote(
            "tls_certificate_sds_secret_configs",
            "at most one; a bootstrap secret, or SDS over ADS (the resource warms until it"
                + " arrives)")
        .honouredNote(
            "combined_validation_context",
            "SDS trust bundle plus the default context's match_typed_subject_alt_names")
        .honouredNote(
            "alpn_protocols",
            "h2 and http/1.1; an entry may list both, comma-separated, as in Envoy")
        .ignored("key_log", "TLS key logging is not supported")
        .rest(
            FieldSupport.Status.REJECTED,
            "certificate providers and custom handshakers are not supported");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext
                .CombinedCertificateValidationContext.getDescriptor())
        .honoured("default_validation_context", "validation_context_sds_secret_config")
        .rest(FieldSupport.Status.REJECTED, "certificate providers are not supported");
    b.message(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.getDescriptor())
        .honouredNote(
            "tls_minimum_protocol_version",
            "TLSv1_2 or TLSv1_3 (default TLSv1_2); lower is refused")
        .honouredNote(
            "tls_maximum_protocol_version",
            "TLSv1_2 or TLSv1_3 (default TLSv1_2 upstream, TLSv1_3 downstream)")
        .honouredNote(
            "cipher_suites",
            "OpenSSL or IANA names the JDK supports; [A|B] groups become A then B; unknown names"
                + " are refused")
        .ignored("ecdh_curves", "the JDK provider's curves are used")
        .ignored("signature_algorithms", "the JDK provider's signature algorithms are used")
        .rejected("compliance_policies", "FIPS compliance policies are not supported");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig.getDescriptor())
        .honouredNote("name", "the secret's name in static_resources.secrets or over SDS")
        .honouredNote("sds_config", "ads only; only on resources that arrive over ADS");
    b.message(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor())
        .honoured("name", "tls_certificate", "validation_context")
        .rejected("session_ticket_keys", "session tickets are not supported")
        .honouredNote(
            "generic_secret",
            "read only by the service identity token filter (its signing key); no other filter"
                + " takes a generic secret yet");
    b.message(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret.getDescriptor())
        .honouredNote("secret", "inline_bytes or inline_string; a file is refused")
        .rejected("secrets", "named generic secrets (credential injector) are not supported");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate.getDescriptor())
        .honouredNote("certificate_chain", "PEM; a file is read once at load")
        .honouredNote("private_key", "PKCS#8 PEM (EC, RSA or Ed25519); a file is read once at load")
        .ignored("watched_directory", "files are not watched; rotate over SDS")
        .ignored("ocsp_staple", "OCSP stapling is not supported")
        .ignored("signed_certificate_timestamp", "SCTs are not sent")
        .rejected("pkcs12", "use PEM")
        .rejected("private_key_provider", "private key providers are not supported")
        .rejected("password", "encrypted private keys are not supported");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext
                .getDescriptor())
        .honouredNote("trusted_ca", "PEM bundle; required when a validation context is given")
        .honouredNote(
            "match_typed_subject_alt_names", "URI, DNS, EMAIL and IP_ADDRESS SANs of the leaf")
        .ignored("watched_directory", "files are not watched; rotate over SDS")
        .rejected("match_subject_alt_names", "deprecated; use match_typed_subject_alt_names")
        .rejected("system_root_certs", "use trusted_ca")
        .rejected("trust_chain_verification", "only VERIFY_TRUST_CHAIN (the default)")
        .rest(FieldSupport.Status.REJECTED, "not supported; only trusted_ca and SAN matching");
    b.message(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher
                .getDescriptor())
        .honoured("san_type", "matcher")
        .rejected("oid", "OTHER_NAME SANs are not supported");
    b.message(
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
                .HttpConnectionManager.SetCurrentClientCertDetails.getDescriptor())
        .honoured("subject", "cert", "chain", "dns", "uri");
  }

  /** Small shared types that appear inside many resources. */
  private static void commonMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.core.v3.DataSource.getDescriptor())
        .honoured("inline_string", "inline_bytes")
        .honouredNote(
            "filename",
            "access-log formats and TLS material (read once); a direct_response body from a file is"
                + " refused")
        .honouredNote(
            "environment_variable",
            "access-log formats only; a direct_response body from the environment is refused");
    b.message(io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.getDescriptor())
        .honouredNote(
            "filter",
            "the namespace; RBAC reads the stream's dynamic metadata (docs/data-plane.md)")
        .honoured("path", "value", "invert");
    b.message(io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.PathSegment.getDescriptor())
        .honoured("key");
    b.message(io.envoyproxy.envoy.type.matcher.v3.ValueMatcher.getDescriptor())
        .honoured(
            "null_match",
            "double_match",
            "string_match",
            "bool_match",
            "present_match",
            "list_match",
            "or_match");
    b.message(io.envoyproxy.envoy.type.matcher.v3.DoubleMatcher.getDescriptor())
        .honouredNote("range", "[start, end)")
        .honoured("exact");
    b.message(io.envoyproxy.envoy.type.v3.DoubleRange.getDescriptor()).honoured("start", "end");
    b.message(io.envoyproxy.envoy.type.matcher.v3.ListMatcher.getDescriptor())
        .honouredNote("one_of", "matches when any element of a list value matches");
    b.message(io.envoyproxy.envoy.type.matcher.v3.OrMatcher.getDescriptor())
        .honoured("value_matchers");
    b.message(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.getDescriptor())
        .honoured("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case")
        .rejected("custom", "custom string matchers are not supported");
    b.message(io.envoyproxy.envoy.type.matcher.v3.RegexMatcher.getDescriptor())
        .honouredNote(
            "regex",
            "RE2 syntax, compiled and matched by RE2/J (linear time) for every matcher: routes,"
                + " RBAC, fault, retry, rewrites")
        .honoured("google_re2");
    b.message(io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.getDescriptor())
        .honoured("pattern", "substitution");
    b.message(io.envoyproxy.envoy.type.v3.Percent.getDescriptor()).honoured("value");
    b.message(io.envoyproxy.envoy.type.v3.FractionalPercent.getDescriptor())
        .honoured("numerator", "denominator");
    b.message(io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent.getDescriptor())
        .honoured("default_value")
        .honouredNote(
            "runtime_key",
            "looked up in layered_runtime by route match runtime_fraction, request mirror"
                + " policies and csrf's filter_enabled and shadow_enabled; local_ratelimit's"
                + " filter_enabled and filter_enforced apply default_value only (their key is not"
                + " looked up)");
    b.message(io.envoyproxy.envoy.type.v3.Int64Range.getDescriptor()).honoured("start", "end");
    b.message(io.envoyproxy.envoy.config.core.v3.Locality.getDescriptor())
        .honoured("region", "zone", "sub_zone");
    b.message(io.envoyproxy.envoy.config.core.v3.Metadata.getDescriptor())
        .honouredNote(
            "filter_metadata", "io.attache on clusters (strict breaker); other keys are not read")
        .rest(IGNORED, "typed metadata is not read");
    b.message(io.envoyproxy.envoy.config.core.v3.GrpcService.getDescriptor())
        .honoured("envoy_grpc", "initial_metadata")
        .honouredNote("timeout", "the OTLP export deadline (default 5 s)")
        .rejected("google_grpc", "only envoy_grpc (a cluster of this proxy) is supported")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.GrpcService.EnvoyGrpc.getDescriptor())
        .honoured("cluster_name", "authority")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.getDescriptor())
        .honoured("name", "typed_config");
    b.message(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.getDescriptor())
        .honoured("header", "cookie", "connection_properties", "query_parameter", "terminal")
        .ignored("filter_state", "filter state never yields a hash here")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate.getDescriptor())
        .honoured("name", "typed_config");
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.CommonLbConfig.getDescriptor())
        .honoured(
            "healthy_panic_threshold",
            "locality_weighted_lb_config",
            "ignore_new_hosts_until_first_hc")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.LeastRequestLbConfig.getDescriptor())
        .honoured("choice_count", "active_request_bias")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.RingHashLbConfig.getDescriptor())
        .honoured("minimum_ring_size", "maximum_ring_size", "hash_function");
    b.message(
            io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
                .getDescriptor())
        .honoured("http_protocol_options", "http2_protocol_options")
        .rejected("http3_protocol_options", "HTTP/3 is not supported");
  }

  private static void healthMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.getDescriptor())
        .rejected("monitors", "outlier monitor extensions are not supported")
        .rest(FieldSupport.Status.HONOURED, "");
    b.message(io.envoyproxy.envoy.config.core.v3.HealthCheck.getDescriptor())
        .honoured(
            "timeout",
            "interval",
            "initial_jitter",
            "interval_jitter",
            "interval_jitter_percent",
            "unhealthy_threshold",
            "healthy_threshold",
            "alt_port",
            "reuse_connection",
            "no_traffic_interval",
            "no_traffic_healthy_interval",
            "unhealthy_interval",
            "unhealthy_edge_interval",
            "healthy_edge_interval",
            "http_health_check",
            "tcp_health_check")
        .rejected("grpc_health_check", "gRPC health checks are not supported yet")
        .rejected("custom_health_check", "custom health checkers are not supported")
        .rest(IGNORED, "event logging and TLS options of health checks are not supported");
    b.message(io.envoyproxy.envoy.config.core.v3.HealthCheck.HttpHealthCheck.getDescriptor())
        .honoured(
            "path",
            "host",
            "expected_statuses",
            "retriable_statuses",
            "request_headers_to_add",
            "request_headers_to_remove",
            "method")
        .rejected("codec_client_type", "HTTP/1.1 probes only")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.core.v3.HealthCheck.TcpHealthCheck.getDescriptor())
        .honoured("send", "receive")
        .rejected("proxy_protocol_config", "PROXY protocol is not supported");
  }

  private static void clusterMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.getDescriptor())
        .honoured(
            "name",
            "type",
            "connect_timeout",
            "lb_policy",
            "least_request_lb_config",
            "ring_hash_lb_config",
            "common_lb_config",
            "load_assignment",
            "http2_protocol_options",
            "http_protocol_options",
            "common_http_protocol_options",
            "typed_extension_protocol_options",
            "protocol_selection",
            "max_requests_per_connection",
            "dns_refresh_rate",
            "respect_dns_ttl",
            "dns_lookup_family")
        .honouredNote(
            "type",
            "STATIC, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST (a host per original destination, made"
                + " on first use); EDS for clusters from CDS")
        .honouredNote(
            "lb_policy",
            "ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH; CLUSTER_PROVIDED exactly for"
                + " ORIGINAL_DST")
        .honouredNote(
            "cleanup_interval",
            "ORIGINAL_DST: every interval (default 5 s) hosts not picked since the previous sweep"
                + " and without connections or requests are dropped")
        .honoured("original_dst_lb_config")
        .ignored(
            "per_connection_buffer_limit_bytes", "parsed; upstream buffering is not capped yet")
        .honoured("circuit_breakers")
        .honoured("outlier_detection", "health_checks")
        .honouredNote(
            "metadata",
            "filter_metadata[\"io.attache\"].strict_half_open_breaker opts into the strict"
                + " one-probe breaker (docs/circuit-breaking.md); other metadata is not read")
        .honouredNote(
            "transport_socket", "envoy.transport_sockets.tls (UpstreamTlsContext) or raw_buffer")
        .rejected(
            "transport_socket_matches",
            "per-endpoint transport sockets are not supported; set one transport_socket")
        .rejected("cluster_type", "custom cluster types are not supported")
        .rejected(
            "load_balancing_policy", "Envoy would balance by it instead of lb_policy; unsupported")
        .honouredNote("eds_cluster_config", "EDS clusters from CDS; endpoints over ADS")
        .ignored("lb_subset_config", "subset load balancing is not supported")
        .ignored("dns_failure_refresh_rate", "failed refreshes retry at dns_refresh_rate")
        .ignored("wait_for_warm_on_init", "static clusters are warm at once")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.cluster.v3.Cluster.OriginalDstLbConfig.getDescriptor())
        .honouredNote(
            "use_http_header",
            "the host named by the header (ip:port) wins over the original destination; an"
                + " invalid value counts original_dst_host_invalid")
        .honouredNote("http_header_name", "default x-envoy-original-dst-host")
        .honoured("upstream_port_override")
        .rejected("metadata_key", "picking the host from dynamic metadata is not supported");
    b.message(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.getDescriptor())
        .honoured("endpoints", "policy")
        .honouredNote(
            "cluster_name",
            "EDS: the resource name (service_name, else the cluster name); static: ignored")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.getDescriptor())
        .honoured("locality", "lb_endpoints", "load_balancing_weight", "priority")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.getDescriptor())
        .honoured("endpoint", "health_status", "load_balancing_weight")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.getDescriptor())
        .honoured("address", "hostname")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.Policy.getDescriptor())
        .honoured("overprovisioning_factor")
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
        .honoured(
            "explicit_http_config",
            "use_downstream_protocol_config",
            "common_http_protocol_options")
        .rejected("auto_config", "ALPN-based protocol selection needs TLS")
        .rest(IGNORED, NOT_YET);
  }

  private static void accessLogMessages(FieldSupport.Builder b) {
    b.message(io.envoyproxy.envoy.config.accesslog.v3.AccessLog.getDescriptor())
        .honoured("typed_config", "filter")
        .honouredNote(
            "name", "informational; the logger type comes from typed_config, as in Envoy");
    b.message(io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter.getDescriptor())
        .honoured(
            "status_code_filter",
            "duration_filter",
            "not_health_check_filter",
            "traceable_filter",
            "response_flag_filter",
            "and_filter",
            "or_filter")
        .rest(FieldSupport.Status.REJECTED, "this access-log filter is not supported");
    b.message(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
        .honoured("path", "format", "json_format", "typed_json_format", "log_format");
    b.message(
            io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog.getDescriptor())
        .honoured("log_format");
    b.message(
            io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog.getDescriptor())
        .honoured("log_format");
    b.message(io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString.getDescriptor())
        .honoured(
            "text_format",
            "json_format",
            "text_format_source",
            "omit_empty_values",
            "json_format_options")
        .ignored("content_type", "only applies to local replies")
        .rejected("formatters", "formatter extensions are not supported");
  }

  private static void routeMessages(FieldSupport.Builder b) {
    b.message(RouteConfiguration.getDescriptor())
        .honoured(
            "name",
            "virtual_hosts",
            "response_headers_to_add",
            "response_headers_to_remove",
            "request_headers_to_add",
            "request_headers_to_remove",
            "most_specific_header_mutations_wins",
            "max_direct_response_body_size_bytes",
            "ignore_port_in_host_matching",
            "ignore_path_parameters_in_path_matching")
        .honouredNote(
            "internal_only_headers", "removed from every request that is not internal, as Envoy")
        .rejected("vhds", "VHDS is not supported")
        .rejected("cluster_specifier_plugins", "cluster specifier plugins are not supported")
        .honouredNote("request_mirror_policies", MIRROR_LEVELS_NOTE)
        .honouredNote("typed_per_filter_config", PER_FILTER_NOTE)
        .rest(IGNORED, NOT_YET);
    b.message(io.envoyproxy.envoy.config.route.v3.FilterConfig.getDescriptor())
        .honouredNote("config", "an HTTPFault inside is read as a bare per-route fault entry")
        .honouredNote(
            "disabled",
            "true switches the named filter off for the request; false (or any entry) switches a"
                + " filter with HttpFilter.disabled on")
        .ignored(
            "is_optional",
            "entries of types Attaché does not run are ignored whether optional or not");
    b.message(VirtualHost.getDescriptor())
        .honoured(
            "name",
            "domains",
            "routes",
            "require_tls",
            "request_headers_to_add",
            "request_headers_to_remove",
            "response_headers_to_add",
            "response_headers_to_remove",
            "per_request_buffer_limit_bytes")
        .honoured("retry_policy")
        .honouredNote("request_mirror_policies", MIRROR_LEVELS_NOTE)
        .honouredNote("rate_limits", RATE_LIMITS_NOTE)
        .rejected("matcher", "matcher trees are not supported")
        .rejected("retry_policy_typed_config", "retry extensions are not supported")
        .honouredNote("typed_per_filter_config", PER_FILTER_NOTE)
        .rest(IGNORED, NOT_YET);
    b.message(Route.getDescriptor())
        .honoured(
            "name",
            "match",
            "route",
            "redirect",
            "direct_response",
            "request_headers_to_add",
            "request_headers_to_remove",
            "response_headers_to_add",
            "response_headers_to_remove",
            "per_request_buffer_limit_bytes")
        .rejected("filter_action", "filter actions are not supported")
        .rejected("non_forwarding_action", "non-forwarding actions are not supported")
        .honouredNote("typed_per_filter_config", PER_FILTER_NOTE)
        .honouredNote(
            "decorator",
            "where the connection manager traces: operation names the request's span and, unless"
                + " propagate is false, goes out as x-envoy-decorator-operation (upstream on"
                + " egress, on the response on ingress; an ingress caller's header names the span"
                + " instead); a direct_response or redirect route's decorator is not applied")
        .rest(IGNORED, NOT_YET);
    b.message(RouteMatch.getDescriptor())
        .honoured(
            "prefix",
            "path",
            "safe_regex",
            "path_separated_prefix",
            "case_sensitive",
            "headers",
            "query_parameters",
            "grpc")
        .honouredNote(
            "runtime_fraction",
            "runtime_key read from layered_runtime (a fractional percent, or an integer percent),"
                + " else default_value")
        .honouredNote("connect_matcher", "matches CONNECT requests and nothing else")
        .rejected("path_match_policy", "path match extensions are not supported")
        .honouredNote(
            "tls_context",
            "presented and validated compare with the connection's client certificate; Attaché's"
                + " TLS never accepts one it could not validate, so the two are the same")
        .rejected("dynamic_metadata", "dynamic metadata matching is not supported")
        .rejected("filter_state", "filter state matching is not supported");
    b.message(RouteMatch.TlsContextMatchOptions.getDescriptor()).honoured("presented", "validated");
    b.message(RouteAction.getDescriptor())
        .honoured(
            "cluster",
            "cluster_header",
            "weighted_clusters",
            "cluster_not_found_response_code",
            "prefix_rewrite",
            "regex_rewrite",
            "host_rewrite_literal",
            "auto_host_rewrite",
            "host_rewrite_header",
            "host_rewrite_path_regex",
            "append_x_forwarded_host",
            "timeout",
            "idle_timeout",
            "hash_policy")
        .honoured("retry_policy", "priority")
        .honouredNote("rate_limits", RATE_LIMITS_NOTE)
        .honouredNote(
            "include_vh_rate_limits",
            "deprecated; true means the local rate limit filter's vh_rate_limits INCLUDE")
        .honouredNote("request_mirror_policies", MIRROR_LEVELS_NOTE)
        .honouredNote(
            "upgrade_configs",
            "per upgrade type, turns an upgrade the HTTP connection manager lists on or off for"
                + " this route; a type the HCM does not list stays refused; an entry of type"
                + " CONNECT (exactly, as Envoy compares it) makes the route terminate CONNECT")
        .rejected("cluster_specifier_plugin", "cluster specifier plugins are not supported")
        .rejected("inline_cluster_specifier_plugin", "cluster specifier plugins are not supported")
        .rejected("path_rewrite_policy", "path rewrite extensions are not supported")
        .rejected("retry_policy_typed_config", "retry extensions are not supported")
        .rest(IGNORED, NOT_YET);
    b.message(RouteAction.UpgradeConfig.getDescriptor())
        .honoured("upgrade_type", "enabled")
        .honouredNote(
            "connect_config",
            "the router answers a CONNECT 200 itself and carries the stream's bytes over a new raw"
                + " TCP connection to the route's cluster (half-close both ways on HTTP/2, a FIN"
                + " ends an HTTP/1.1 tunnel); only on an upgrade_type CONNECT entry");
    b.message(RouteAction.UpgradeConfig.ConnectConfig.getDescriptor())
        .honouredNote("allow_post", "a POST on the route is terminated like a CONNECT")
        .rejected(
            "proxy_protocol_config",
            "a PROXY protocol header on the terminated CONNECT's upstream connection is not"
                + " supported");
    b.message(RouteAction.RequestMirrorPolicy.getDescriptor())
        .honoured(
            "cluster", "cluster_header", "runtime_fraction", "disable_shadow_host_suffix_append")
        .ignored(
            "trace_sampled",
            "shadows are not traced: each carries the trace headers the request arrived with");
    b.message(WeightedCluster.getDescriptor())
        .honoured("clusters", "header_name")
        .ignored("total_weight", "deprecated; the sum of the weights is used, as Envoy does")
        .rest(IGNORED, NOT_YET);
    b.message(WeightedCluster.ClusterWeight.getDescriptor())
        .honoured(
            "name",
            "cluster_header",
            "weight",
            "request_headers_to_add",
            "request_headers_to_remove",
            "response_headers_to_add",
            "response_headers_to_remove",
            "host_rewrite_literal")
        .honouredNote("typed_per_filter_config", PER_FILTER_NOTE)
        .rest(IGNORED, NOT_YET);
    b.message(HeaderMatcher.getDescriptor())
        .honoured(
            "name",
            "string_match",
            "exact_match",
            "safe_regex_match",
            "prefix_match",
            "suffix_match",
            "contains_match",
            "range_match",
            "present_match",
            "invert_match",
            "treat_missing_header_as_empty");
    b.message(QueryParameterMatcher.getDescriptor())
        .honoured("name", "string_match", "present_match");
    b.message(RedirectAction.getDescriptor())
        .honoured(
            "https_redirect",
            "scheme_redirect",
            "host_redirect",
            "port_redirect",
            "path_redirect",
            "prefix_rewrite",
            "regex_rewrite",
            "response_code",
            "strip_query");
    b.message(DirectResponseAction.getDescriptor()).honoured("status", "body");
    b.message(HeaderValueOption.getDescriptor())
        .honoured("header", "append_action", "append", "keep_empty_value");
    b.message(HeaderValue.getDescriptor()).honoured("key", "value", "raw_value");
  }
}
