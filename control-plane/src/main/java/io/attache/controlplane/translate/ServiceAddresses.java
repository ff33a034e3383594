package io.attache.controlplane.translate;

import com.google.common.net.InetAddresses;
import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which service an intercepted connection belongs to: every service's virtual IPs ({@code
 * addresses}) on its port and its IP endpoints on theirs. An address:port is claimed by the first
 * service in name order, so two services listing the same one never make two identical filter-chain
 * matches or domains (which Envoy refuses). Derived from the policy alone; never resolves a name.
 */
final class ServiceAddresses {

  /** One service's addresses on its port. */
  record Claim(Service service, int port, List<String> addresses) {}

  private ServiceAddresses() {}

  /**
   * Per port (ascending), the claims of the services called on it, in service name order: a
   * service's virtual IPs on its port, its endpoints' IPs on their own ports (what a client that
   * dials an endpoint directly connects to).
   */
  static Map<Integer, List<Claim>> byPort(PolicySnapshot policy) {
    Map<Integer, Map<String, List<String>>> addressesByPort = new TreeMap<>();
    Set<String> claimed = new HashSet<>();
    for (Service service : policy.services().values()) {
      for (String address : service.getAddressesList()) {
        claim(address, portOf(service), service, claimed, addressesByPort);
      }
      for (Endpoint endpoint : service.getEndpointsList()) {
        claim(endpoint.getAddress(), endpoint.getPort(), service, claimed, addressesByPort);
      }
    }
    Map<Integer, List<Claim>> byPort = new TreeMap<>();
    addressesByPort.forEach(
        (port, byService) ->
            byService.forEach(
                (name, addresses) ->
                    byPort
                        .computeIfAbsent(port, p -> new ArrayList<>())
                        .add(new Claim(policy.services().get(name), port, addresses))));
    return byPort;
  }

  private static void claim(
      String candidate,
      int port,
      Service service,
      Set<String> claimed,
      Map<Integer, Map<String, List<String>>> addressesByPort) {
    if (!InetAddresses.isInetAddress(candidate)) {
      return; // a host name: only a resolver could say which connections are its
    }
    String address = InetAddresses.toAddrString(InetAddresses.forString(candidate));
    if (claimed.add(address + "|" + port)) {
      addressesByPort
          .computeIfAbsent(port, p -> new TreeMap<>())
          .computeIfAbsent(service.getName(), n -> new ArrayList<>())
          .add(address);
    }
  }

  static int portOf(Service service) {
    return service.getPort() == 0 ? 80 : service.getPort();
  }

  /** The Host header values a client sends when it calls {@code address} on {@code port}. */
  static List<String> hostHeaders(String address, int port) {
    InetAddress ip = InetAddresses.forString(address);
    String host = ip instanceof Inet6Address ? "[" + address + "]" : address;
    return port == 80 ? List.of(host, host + ":80") : List.of(host + ":" + port);
  }

  static int prefixLength(String address) {
    return InetAddresses.forString(address) instanceof Inet6Address ? 128 : 32;
  }
}
