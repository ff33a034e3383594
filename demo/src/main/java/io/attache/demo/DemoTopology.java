package io.attache.demo;

import io.attache.demo.Workload.Behaviour;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo mesh: {@code web → orders → payments}, payments with two instances, the second broken on
 * purpose. Ports follow one rule per workload ({@code 15<n>00} admin, {@code 15<n>01} outbound,
 * {@code 15<n>06} inbound, {@code 910<n>} app) and must match the bootstraps in {@code
 * deploy/examples/up/} — {@code DemoTopologyTest} checks that they do.
 */
public final class DemoTopology {

  public static final int REST_PORT = 18080;
  public static final int XDS_PORT = 18000;

  public static final List<Workload> WORKLOADS =
      List.of(
          workload(1, "web", "web", Behaviour.CALLS_NEXT),
          workload(2, "orders", "orders", Behaviour.CALLS_NEXT),
          workload(3, "payments-1", "payments", Behaviour.HEALTHY),
          workload(4, "payments-2", "payments", Behaviour.FLAKY));

  /** Which service each calling service calls. */
  public static final Map<String, String> NEXT_HOP = Map.of("web", "orders", "orders", "payments");

  private DemoTopology() {}

  private static Workload workload(int n, String name, String service, Behaviour behaviour) {
    int base = 15000 + 100 * n;
    return new Workload(name, service, behaviour, 9100 + n, base, base + 1, base + 6);
  }

  public static Workload workload(String name) {
    return WORKLOADS.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
  }

  /** Service name → its instances, in start order. */
  public static Map<String, List<Workload>> services() {
    return WORKLOADS.stream()
        .collect(
            Collectors.groupingBy(
                Workload::service, java.util.LinkedHashMap::new, Collectors.toList()));
  }

  /** Every port the demo binds, to fail early and clearly when one is taken. */
  public static List<Integer> allPorts() {
    List<Integer> ports = new java.util.ArrayList<>(List.of(REST_PORT, XDS_PORT));
    for (Workload w : WORKLOADS) {
      ports.addAll(List.of(w.appPort(), w.adminPort(), w.outboundPort(), w.inboundPort()));
    }
    return ports;
  }
}
