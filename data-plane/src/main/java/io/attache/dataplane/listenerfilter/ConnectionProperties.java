package io.attache.dataplane.listenerfilter;

import io.attache.dataplane.matcher.ConnectionData;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the listener knows of one accepted connection before it picks a filter chain: its addresses
 * (the local one restored by {@code original_dst} when the connection was redirected; both taken
 * from a PROXY protocol header when one was read, the socket's peer kept as the direct remote
 * address), and what the listener filters found — the requested server name and ALPN from a TLS
 * ClientHello, the transport protocol ({@code raw_buffer} or {@code tls}), an HTTP/1.x or h2c
 * guess. Attached to the channel under {@link #KEY}. Used only on the connection's event loop.
 */
public final class ConnectionProperties implements ConnectionData {
  public static final AttributeKey<ConnectionProperties> KEY =
      AttributeKey.valueOf("attache.connection-properties");
  public static final String RAW_BUFFER = "raw_buffer";
  public static final String TLS = "tls";

  private final InetSocketAddress directRemoteAddress;
  private InetSocketAddress remoteAddress;
  private InetSocketAddress localAddress;
  private boolean localAddressRestored;
  private String requestedServerName = "";
  private String transportProtocol = RAW_BUFFER;
  private List<String> applicationProtocols = List.of();

  public ConnectionProperties(InetSocketAddress remoteAddress, InetSocketAddress localAddress) {
    this.directRemoteAddress = remoteAddress;
    this.remoteAddress = remoteAddress;
    this.localAddress = localAddress;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** The peer that connected to the listener, whatever a PROXY protocol header said. */
  @Override
  public InetSocketAddress directRemoteAddress() {
    return directRemoteAddress;
  }

  /** The address the client connected to: the original destination once restored. */
  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Whether {@code original_dst} replaced the socket's local address. */
  public boolean localAddressRestored() {
    return localAddressRestored;
  }

  @Override
  public String requestedServerName() {
    return requestedServerName;
  }

  @Override
  public String transportProtocol() {
    return transportProtocol;
  }

  @Override
  public List<String> applicationProtocols() {
    return applicationProtocols;
  }

  void restoreLocalAddress(InetSocketAddress originalDestination) {
    this.localAddress = originalDestination;
    this.localAddressRestored = true;
  }

  /**
   * A PROXY protocol header's addresses: the client's becomes the remote address, its destination
   * the local one (restored, as {@code original_dst} would).
   */
  void proxyProtocol(InetSocketAddress source, InetSocketAddress destination) {
    this.remoteAddress = source;
    restoreLocalAddress(destination);
  }

  void requestedServerName(String name) {
    this.requestedServerName = name;
  }

  void transportProtocol(String protocol) {
    this.transportProtocol = protocol;
  }

  void applicationProtocols(List<String> protocols) {
    this.applicationProtocols = List.copyOf(protocols);
  }

  @Override
  public String toString() {
    return "ConnectionProperties{remote="
        + remoteAddress
        + (remoteAddress.equals(directRemoteAddress) ? "" : " (direct " + directRemoteAddress + ")")
        + ", local="
        + localAddress
        + (localAddressRestored ? " (restored)" : "")
        + ", sni="
        + requestedServerName
        + ", transport="
        + transportProtocol
        + ", alpn="
        + applicationProtocols
        + "}";
  }
}
