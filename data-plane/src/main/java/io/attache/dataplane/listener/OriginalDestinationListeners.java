package io.attache.dataplane.listener;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a {@code use_original_dst} listener hands a redirected connection, as Envoy's connection
 * handler finds it: the listener whose address is exactly the original destination, else the one on
 * the wildcard address ({@code 0.0.0.0} or {@code ::}) of the same family and port; listeners with
 * {@code bind_to_port: false} count, since that is what they are for. Reads the current listeners
 * at each look-up; never blocks, never returns a listener that stopped accepting.
 */
public final class OriginalDestinationListeners {
  private final Supplier<List<HttpListener>> listeners;

  public OriginalDestinationListeners(Supplier<List<HttpListener>> listeners) {
    this.listeners = listeners;
  }

  /** The listener that serves connections addressed to {@code destination}, if any. */
  public Optional<HttpListener> find(InetSocketAddress destination) {
    List<HttpListener> all = listeners.get();
    for (HttpListener l : all) {
      if (l.accepting() && l.config().address().equals(destination)) {
        return Optional.of(l);
      }
    }
    for (HttpListener l : all) {
      InetSocketAddress address = l.config().address();
      if (l.accepting()
          && address.getPort() == destination.getPort()
          && address.getAddress().isAnyLocalAddress()
          && sameFamily(address.getAddress(), destination.getAddress())) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }

  private static boolean sameFamily(InetAddress a, InetAddress b) {
    return a.getAddress().length == b.getAddress().length;
  }
}
