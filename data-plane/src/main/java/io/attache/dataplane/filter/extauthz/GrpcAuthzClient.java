package io.attache.dataplane.filter.extauthz;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.GrpcAuthz;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gRPC side of ext_authz: builds {@code envoy.service.auth.v3.CheckRequest} from the request
 * and connection, frames it as a unary {@code Authorization/Check} call for the service's cluster,
 * and maps the {@code CheckResponse} (or the call's failure) to a verdict as Envoy's gRPC client
 * does. Pure functions over immutable inputs; it never sends anything itself.
 */
final class GrpcAuthzClient {
  static final String CHECK_PATH = "/envoy.service.auth.v3.Authorization/Check";

  private GrpcAuthzClient() {}

  /** What {@link #checkRequest} reads of the stream. */
  record Attributes(
      InetSocketAddress source,
      InetSocketAddress destination,
      Instant time,
      String requestId,
      String method,
      String path,
      String host,
      String scheme,
      String protocol,
      Map<String, String> headers,
      long size,
      byte[] body,
      boolean packAsBytes,
      Map<String, String> contextExtensions) {}

  static CheckRequest checkRequest(Attributes a) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId(a.requestId())
            .setMethod(a.method())
            .putAllHeaders(a.headers())
            .setPath(a.path())
            .setHost(a.host())
            .setScheme(a.scheme())
            .setProtocol(a.protocol())
            .setSize(a.size());
    if (a.body() != null) {
      if (a.packAsBytes()) {
        http.setRawBody(com.google.protobuf.ByteString.copyFrom(a.body()));
      } else {
        http.setBody(new String(a.body(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(peer(a.source()))
                .setDestination(peer(a.destination()))
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setTime(
                            Timestamp.newBuilder()
                                .setSeconds(a.time().getEpochSecond())
                                .setNanos(a.time().getNano()))
                        .setHttp(http))
                .putAllContextExtensions(a.contextExtensions()))
        .build();
  }

  private static AttributeContext.Peer peer(InetSocketAddress address) {
    if (address == null) {
      return AttributeContext.Peer.getDefaultInstance();
    }
    return AttributeContext.Peer.newBuilder()
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder()
                        .setAddress(address.getAddress().getHostAddress())
                        .setPortValue(address.getPort())))
        .build();
  }

  /** The unary call: HTTP/2 POST with the length-prefixed message and a {@code grpc-timeout}. */
  static FullHttpRequest call(GrpcAuthz service, CheckRequest check, ByteBufAllocator alloc) {
    byte[] message = check.toByteArray();
    ByteBuf body = alloc.buffer(5 + message.length);
    body.writeByte(0);
    body.writeInt(message.length);
    body.writeBytes(message);
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, CHECK_PATH, body);
    request.headers().set(HttpHeaderNames.HOST, service.authority());
    request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    request.headers().set(HttpHeaderNames.TE, "trailers");
    request.headers().set("grpc-timeout", Math.max(1, service.timeout().toMillis()) + "m");
    for (Map.Entry<String, String> m : service.initialMetadata()) {
      request.headers().add(m.getKey(), m.getValue());
    }
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return request;
  }

  /** Maps the call's outcome: anything but a well-formed OK call is an error. */
  static AuthzVerdict verdict(ClusterExchange.Response response) {
    if (response.status() != 200) {
      return AuthzVerdict.ERROR;
    }
    String grpcStatus = response.trailers().get("grpc-status");
    if (grpcStatus == null) {
      grpcStatus = response.headers().get("grpc-status");
    }
    if (!"0".equals(grpcStatus)) {
      return AuthzVerdict.ERROR;
    }
    byte[] body = response.body();
    if (body.length < 5 || body[0] != 0) {
      return AuthzVerdict.ERROR;
    }
    int length =
        ((body[1] & 0xff) << 24)
            | ((body[2] & 0xff) << 16)
            | ((body[3] & 0xff) << 8)
            | (body[4] & 0xff);
    if (length != body.length - 5) {
      return AuthzVerdict.ERROR;
    }
    try {
      return verdict(CheckResponse.parseFrom(java.util.Arrays.copyOfRange(body, 5, body.length)));
    } catch (InvalidProtocolBufferException e) {
      return AuthzVerdict.ERROR;
    }
  }

  /**
   * Envoy's reading of a {@code CheckResponse}: {@code status.code} 0 allows with the ok_response's
   * mutations; anything else denies with the denied_response's status (403 when unset), body and
   * headers.
   */
  static AuthzVerdict verdict(CheckResponse check) {
    if (check.getStatus().getCode() != 0) {
      var denied = check.getDeniedResponse();
      int status = denied.getStatus().getCodeValue() == 0 ? 403 : denied.getStatus().getCodeValue();
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      for (HeaderValueOption h : denied.getHeadersList()) {
        headers.add(entry(h));
      }
      return AuthzVerdict.denied(status, denied.getBody(), headers);
    }
    var ok = check.getOkResponse();
    List<Map.Entry<String, String>> set = new ArrayList<>();
    List<Map.Entry<String, String>> append = new ArrayList<>();
    List<Map.Entry<String, String>> addIfAbsent = new ArrayList<>();
    List<Map.Entry<String, String>> overwriteIfExists = new ArrayList<>();
    for (HeaderValueOption h : ok.getHeadersList()) {
      if (h.hasAppend()) {
        (h.getAppend().getValue() ? append : set).add(entry(h));
        continue;
      }
      switch (h.getAppendAction()) {
        case ADD_IF_ABSENT -> addIfAbsent.add(entry(h));
        case OVERWRITE_IF_EXISTS_OR_ADD -> set.add(entry(h));
        case OVERWRITE_IF_EXISTS -> overwriteIfExists.add(entry(h));
        // APPEND_IF_EXISTS_OR_ADD is the enum's zero, so it is also what an answer that set
        // neither field says: Envoy 1.40 then overwrites the request's header (a caller's own
        // x-user does not survive next to the service's; HttpFilterDifferentialIT).
        default -> set.add(entry(h));
      }
    }
    List<Map.Entry<String, String>> responseHeaders = new ArrayList<>();
    for (HeaderValueOption h : ok.getResponseHeadersToAddList()) {
      responseHeaders.add(entry(h));
    }
    List<String> remove = new ArrayList<>();
    for (String name : ok.getHeadersToRemoveList()) {
      remove.add(name.toLowerCase(java.util.Locale.ROOT));
    }
    return AuthzVerdict.ok(set, append, addIfAbsent, overwriteIfExists, remove, responseHeaders);
  }

  private static Map.Entry<String, String> entry(HeaderValueOption h) {
    return Map.entry(
        h.getHeader().getKey().toLowerCase(java.util.Locale.ROOT), h.getHeader().getValue());
  }
}
