package io.attache.dataplane.listenerfilter;

import java.net.InetSocketAddress;
import java.util.List;

/** Builds the properties listener filters would have found, for chain-selection tests. */
public final class ConnectionPropertiesForTests {
  private ConnectionPropertiesForTests() {}

  public static ConnectionProperties of(
      InetSocketAddress remote,
      InetSocketAddress local,
      String serverName,
      String transportProtocol,
      List<String> alpn) {
    ConnectionProperties p = new ConnectionProperties(remote, local);
    p.requestedServerName(serverName);
    p.transportProtocol(transportProtocol);
    p.applicationProtocols(alpn);
    return p;
  }
}
