package io.attache.dataplane.tunnel;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The request that opens one tunnel: {@code CONNECT host} (authority form) or {@code POST path}
 * with {@code host}, plus the configured headers. Immutable; knows how to write itself as an
 * HTTP/1.1 head, and nothing of connections.
 *
 * @param path null for CONNECT
 */
public record TunnelRequest(String method, String authority, String path, List<Header> headers) {
  public record Header(String name, String value) {}

  public TunnelRequest {
    headers = List.copyOf(headers);
  }

  /**
   * The HTTP/1.1 head. No content-length and no chunking: what follows is the tunnel's raw bytes,
   * as Envoy's HTTP/1 codec writes a tunnelling request (POST included).
   */
  public byte[] http1Head() {
    StringBuilder head = new StringBuilder(128);
    head.append(method).append(' ').append(path == null ? authority : path).append(" HTTP/1.1\r\n");
    head.append("host: ").append(authority).append("\r\n");
    for (Header h : headers) {
      head.append(h.name()).append(": ").append(h.value()).append("\r\n");
    }
    head.append("\r\n");
    return head.toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
