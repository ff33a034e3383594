package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Struct;
import io.attache.dataplane.matcher.ConnectionData;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.security.PeerIdentity;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One request as the RBAC matchers see it: headers with Envoy's pseudo-headers, the connection's
 * addresses and the peer's verified identity. {@code remoteAddress} is Envoy's "downstream remote
 * address" (the trusted client address, which may come from {@code x-forwarded-for}); {@code
 * directRemoteAddress} is always the socket peer. The stream's dynamic metadata is what filters
 * before RBAC wrote (jwt_authn's verified payload, header_to_metadata's values). Built once per
 * request on the event loop; never shared, never blocks (no name resolution: only IP literals are
 * read from headers).
 */
public final class RbacRequest implements HeaderSource {
  private final HttpRequest request;
  private final String scheme;
  private final InetSocketAddress directRemoteAddress;
  private final InetSocketAddress remoteAddress;
  private final InetSocketAddress localAddress;
  private final PeerIdentity peer;
  private final Map<String, Struct> dynamicMetadata;

  private RbacRequest(
      HttpRequest request,
      String scheme,
      InetSocketAddress directRemoteAddress,
      InetSocketAddress remoteAddress,
      InetSocketAddress localAddress,
      PeerIdentity peer,
      Map<String, Struct> dynamicMetadata) {
    this.request = request;
    this.scheme = scheme;
    this.directRemoteAddress = directRemoteAddress;
    this.remoteAddress = remoteAddress;
    this.localAddress = localAddress;
    this.peer = peer;
    this.dynamicMetadata = dynamicMetadata;
  }

  /**
   * @param request the request after the connection manager's own header mutations, as Envoy's
   *     decoder filters see it
   * @param scheme the downstream scheme ({@code :scheme})
   * @param directRemote the socket peer
   * @param client the trusted client address the connection manager decided on ({@code
   *     use_remote_address}, {@code xff_num_trusted_hops}; port 0 when read from {@code
   *     x-forwarded-for}): what {@code remote_ip} and the matcher's {@code SourceIPInput} match
   * @param local the address the connection was accepted on
   * @param peer the verified TLS identity of the connection, {@link PeerIdentity#NONE} if none
   * @param dynamicMetadata the stream's dynamic metadata, filter namespace to fields
   */
  public static RbacRequest of(
      HttpRequest request,
      String scheme,
      InetSocketAddress directRemote,
      InetSocketAddress client,
      InetSocketAddress local,
      PeerIdentity peer,
      Map<String, Struct> dynamicMetadata) {
    return new RbacRequest(request, scheme, directRemote, client, local, peer, dynamicMetadata);
  }

  /** The addresses the matcher's network inputs read, as Envoy's stream info gives them. */
  public ConnectionData connection() {
    return ConnectionData.ofAddresses(localAddress, remoteAddress, directRemoteAddress);
  }

  /**
   * All values of a header joined with {@code ","} (Envoy's rule for matching), or null when
   * absent. {@code :method}, {@code :path}, {@code :authority} and {@code :scheme} are the
   * pseudo-headers; as in Envoy, the HTTP/1 {@code Host} header is only visible as {@code
   * :authority}.
   */
  @Override
  public String joined(String lowerCaseName) {
    return headerValue(lowerCaseName);
  }

  String headerValue(String lowerCaseName) {
    if (lowerCaseName.startsWith(":")) {
      return switch (lowerCaseName) {
        case ":method" -> request.method().name();
        case ":path" -> request.uri();
        case ":authority" -> request.headers().get(HttpHeaderNames.HOST);
        case ":scheme" -> scheme;
        default -> null;
      };
    }
    if (lowerCaseName.equals("host")) {
      return null;
    }
    List<String> values = request.headers().getAll(lowerCaseName);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  /** The {@code :path} without query and fragment, as Envoy's {@code PathMatcher} sees it. */
  String pathWithoutQuery() {
    String uri = request.uri();
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        return uri.substring(0, i);
      }
    }
    return uri;
  }

  InetAddress directRemoteIp() {
    return directRemoteAddress.getAddress();
  }

  InetAddress remoteIp() {
    return remoteAddress.getAddress();
  }

  InetSocketAddress localAddress() {
    return localAddress;
  }

  PeerIdentity peer() {
    return peer;
  }

  Map<String, Struct> dynamicMetadata() {
    return dynamicMetadata;
  }

  /**
   * Who is asking, for log lines: the verified principal name, else the socket peer. Never a header
   * value, so nothing a caller sends (tokens, cookies) reaches the log.
   */
  public String callerForLog() {
    if (peer.authenticated()) {
      return "principal=" + peer.principalName() + " peer=" + directRemoteAddress;
    }
    return "peer=" + directRemoteAddress;
  }
}
