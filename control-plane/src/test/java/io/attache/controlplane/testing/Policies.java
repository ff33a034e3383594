package io.attache.controlplane.testing;

import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.attache.api.policy.v1.WeightedDestination;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import java.util.Arrays;
import java.util.TreeMap;

/** Small builders for policy fixtures shared by the tests. */
public final class Policies {

  private Policies() {}

  public static Service service(String name, int... ports) {
    Service.Builder service = Service.newBuilder().setName(name).setPort(8080);
    for (int port : ports) {
      service.addEndpoints(Endpoint.newBuilder().setAddress("127.0.0.1").setPort(port));
    }
    return service.build();
  }

  public static Route route(String name, String host, String prefix, String... destinations) {
    Route.Builder route = Route.newBuilder().setName(name).addHosts(host).setPathPrefix(prefix);
    int weight = destinations.length == 1 ? 0 : 100 / destinations.length;
    for (String destination : destinations) {
      route.addDestinations(
          WeightedDestination.newBuilder().setService(destination).setWeight(weight));
    }
    return route.build();
  }

  public static PolicySnapshot policy(Service... services) {
    return policy(Arrays.asList(services), new Route[0]);
  }

  public static PolicySnapshot policy(Iterable<Service> services, Route... routes) {
    TreeMap<String, Service> byName = new TreeMap<>();
    services.forEach(s -> byName.put(s.getName(), s));
    TreeMap<String, Route> routesByName = new TreeMap<>();
    for (Route route : routes) {
      routesByName.put(route.getName(), route);
    }
    return new PolicySnapshot(
        1,
        BuiltInMeshDefaults.get(),
        byName,
        routesByName,
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>());
  }
}
