package io.attache.dataplane.filter.extauthz;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.HttpAuthz;
import io.attache.dataplane.matcher.StringMatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTP side of ext_authz (Envoy's raw HTTP client): the authorization request is the client's
 * request — same method, {@code path_prefix} + path, the allowed headers, {@code headers_to_add} —
 * and the answer's status decides: 200 allows (allowed headers go upstream or to the client), a 5xx
 * is an error, anything else denies with the answer's status, body and allowed client headers. Pure
 * functions over immutable inputs; it never sends anything itself.
 */
final class HttpAuthzClient {
  /** Headers Envoy always sends to an HTTP authorization service (its pseudo-headers included). */
  private static final Set<String> ALWAYS_SENT = Set.of("host", "content-length", "authorization");

  /**
   * Client headers Envoy adds to the allowed list whenever {@code allowed_client_headers} is set.
   */
  private static final Set<String> ALWAYS_TO_CLIENT =
      Set.of("status", "content-length", "www-authenticate", "location");

  /** Headers of the authorization response that never go to the client as the reply's own. */
  private static final Set<String> NEVER_TO_CLIENT =
      Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive");

  /** The response header through which the service names request headers to remove. */
  static final String HEADERS_TO_REMOVE = "x-envoy-auth-headers-to-remove";

  private HttpAuthzClient() {}

  static FullHttpRequest request(
      HttpAuthz service,
      HttpMethod method,
      String path,
      HttpHeaders clientHeaders,
      Optional<List<StringMatch>> allowedHeaders,
      List<StringMatch> disallowedHeaders,
      byte[] body,
      boolean partialBody,
      ByteBufAllocator alloc) {
    ByteBuf content = alloc.buffer(body == null ? 0 : body.length);
    if (body != null) {
      content.writeBytes(body);
    }
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, method, service.pathPrefix() + path, content);
    for (Map.Entry<String, String> h : clientHeaders) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      boolean allowed =
          ALWAYS_SENT.contains(name)
              || allowedHeaders.map(m -> ExtAuthzConfig.anyMatches(m, name)).orElse(false);
      if (allowed && !ExtAuthzConfig.anyMatches(disallowedHeaders, name)) {
        request.headers().add(name, h.getValue());
      }
    }
    for (Map.Entry<String, String> h : service.headersToAdd()) {
      request.headers().set(h.getKey(), h.getValue());
    }
    if (body != null) {
      request.headers().set("x-envoy-auth-partial-body", Boolean.toString(partialBody));
    }
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    return request;
  }

  static AuthzVerdict verdict(HttpAuthz service, ClusterExchange.Response response) {
    int status = response.status();
    if (!response.received() || status >= 500) {
      return AuthzVerdict.ERROR;
    }
    HttpHeaders headers = response.headers();
    if (status == 200) {
      List<Map.Entry<String, String>> set = new ArrayList<>();
      List<Map.Entry<String, String>> append = new ArrayList<>();
      List<Map.Entry<String, String>> toClient = new ArrayList<>();
      List<String> remove = new ArrayList<>();
      for (Map.Entry<String, String> h : headers) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (name.equals(HEADERS_TO_REMOVE)) {
          for (String n : h.getValue().split(",")) {
            if (!n.isBlank()) {
              remove.add(n.strip().toLowerCase(Locale.ROOT));
            }
          }
          continue;
        }
        if (service
            .allowedUpstreamHeaders()
            .map(m -> ExtAuthzConfig.anyMatches(m, name))
            .orElse(false)) {
          set.add(Map.entry(name, h.getValue()));
        }
        if (ExtAuthzConfig.anyMatches(service.allowedUpstreamHeadersToAppend(), name)) {
          append.add(Map.entry(name, h.getValue()));
        }
        if (ExtAuthzConfig.anyMatches(service.allowedClientHeadersOnSuccess(), name)) {
          toClient.add(Map.entry(name, h.getValue()));
        }
      }
      return AuthzVerdict.ok(set, append, List.of(), List.of(), remove, toClient);
    }
    List<Map.Entry<String, String>> toClient = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (NEVER_TO_CLIENT.contains(name)) {
        continue;
      }
      boolean allowed =
          service
              .allowedClientHeaders()
              .map(m -> ALWAYS_TO_CLIENT.contains(name) || ExtAuthzConfig.anyMatches(m, name))
              .orElse(true);
      if (allowed) {
        toClient.add(Map.entry(name, h.getValue()));
      }
    }
    return AuthzVerdict.denied(
        status, new String(response.body(), StandardCharsets.UTF_8), toClient);
  }
}
