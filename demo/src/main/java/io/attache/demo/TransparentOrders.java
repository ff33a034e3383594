package io.attache.demo;

import io.attache.netns.NetworkNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./attache up --transparent}: orders — the caller of payments — runs in its own network
 * namespace ({@code attache-up-<port base>}) whose TCP {@code attache iptables} captures. Its app
 * knows no proxy: it calls payments at payments' virtual address ({@code http://10.233.1.8:8080}),
 * which the control plane maps to the payments service (REST {@code addresses}); its sidecar,
 * running as uid {@value #PROXY_UID} (the uid the rules exempt), is configured over ADS for the
 * transparent layout (node metadata {@code attache.interception: REDIRECT}). The namespace reaches
 * the control plane's xDS port and payments' proxies through Unix-socket bridges; web's proxy
 * reaches orders through a second namespace ({@code attache-up-<port base>-gw}, joined to orders'
 * by a veth pair), so that its calls arrive at orders' namespace from outside and inbound capture
 * hands them to orders' sidecar. Nothing is added to the host's namespace; closing deletes both
 * namespaces, and their rules with them.
 */
final class TransparentOrders implements AutoCloseable {

  static final String SERVICE = "orders";
  static final String PAYMENTS_ADDRESS = "10.233.1.8";
  static final int PAYMENTS_PORT = 8080;
  static final String ORDERS_ADDRESS = "10.233.0.2";
  static final long PROXY_UID = 1337;
  private static final String GATEWAY_ADDRESS = "10.233.0.1";
  private static final String VIRTUAL_RANGE = "10.233.1.0/24";

  private final NetworkNamespace orders;
  private final NetworkNamespace gateway;
  private final Path sockets;

  private TransparentOrders(NetworkNamespace orders, NetworkNamespace gateway, Path sockets) {
    this.orders = orders;
    this.gateway = gateway;
    this.sockets = sockets;
  }

  /** The namespaces' name: one per port base, so a demo beside another keeps its own. */
  static String namespaceName(int portBase) {
    return "attache-up-" + portBase;
  }

  /** Both namespaces (a leftover of the same name is deleted first), linked and routed. */
  static TransparentOrders create(int portBase, Path runDir) throws IOException {
    Path sockets = Files.createDirectories(runDir.resolve("sockets"));
    NetworkNamespace gateway = NetworkNamespace.createNamed(namespaceName(portBase) + "-gw");
    NetworkNamespace orders;
    try {
      orders = NetworkNamespace.createNamed(namespaceName(portBase));
      NetworkNamespace.link(orders, ORDERS_ADDRESS + "/24", gateway, GATEWAY_ADDRESS + "/24");
      // Virtual addresses must be routable for the app's connect(); iptables rewrites the
      // destination before a packet leaves, so nothing ever travels this route.
      orders.exec("ip", "route", "add", VIRTUAL_RANGE, "via", GATEWAY_ADDRESS);
    } catch (IOException | RuntimeException e) {
      gateway.close();
      throw e;
    }
    return new TransparentOrders(orders, gateway, sockets);
  }

  String namespace() {
    return orders.name();
  }

  /**
   * The bridges: in orders' namespace, {@code 127.0.0.1:<xds>}, {@code 127.0.0.1:<rest>} (the JWKS
   * orders' sidecar verifies web's identity tokens with) and each payments proxy's inbound port
   * reach the host's; on the host, orders' admin port reaches its sidecar's admin and orders'
   * inbound port reaches {@code 10.233.0.2:<app port>} from the gateway namespace — captured there
   * like any call from another pod.
   */
  void bridge(Workload workload, int xdsPort, int restPort, List<Workload> payments)
      throws IOException {
    orders.reachHostLoopback(xdsPort, sockets);
    orders.reachHostLoopback(restPort, sockets);
    for (Workload instance : payments) {
      orders.reachHostLoopback(instance.inboundPort(), sockets);
    }
    orders.exposeOnHostLoopback(workload.adminPort(), "127.0.0.1", workload.adminPort(), sockets);
    gateway.exposeOnHostLoopback(
        workload.inboundPort(), ORDERS_ADDRESS, workload.appPort(), sockets);
  }

  /**
   * The sidecar's bootstrap: the demo's, asking for the transparent layout, its inbound listener on
   * every address (REDIRECT sends inbound connections to the address they arrived at), readable by
   * the proxy's uid only.
   */
  static Path transparentBootstrap(Path bootstrap) throws IOException {
    String yaml = Files.readString(bootstrap);
    String rewritten =
        yaml.replace("attache.inbound_address: 127.0.0.1", "attache.inbound_address: 0.0.0.0")
            .replace("  metadata:\n", "  metadata:\n    attache.interception: REDIRECT\n");
    if (!rewritten.contains("attache.interception: REDIRECT")
        || !rewritten.contains("attache.inbound_address: 0.0.0.0")) {
      throw new IllegalStateException(bootstrap + " has no node metadata to make transparent");
    }
    Files.writeString(bootstrap, rewritten);
    Files.setAttribute(bootstrap, "unix:uid", (int) PROXY_UID);
    Files.setAttribute(bootstrap, "unix:gid", (int) PROXY_UID);
    return bootstrap;
  }

  /** orders' sidecar in the namespace as uid {@value #PROXY_UID}. */
  ChildProcess startProxy(
      Workload workload, Path proxyJar, List<String> javaOptions, Path bootstrap, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(asUid(PROXY_UID));
    command.add(java());
    command.addAll(javaOptions);
    command.addAll(List.of("-jar", proxyJar.toString(), "-c", bootstrap.toString()));
    return ChildProcess.startBinary(workload.name(), orders.inNamespace(command), log);
  }

  /** {@code attache iptables} in orders' namespace: its TCP to its sidecar's listeners. */
  void intercept(Workload workload, Path proxyJar) throws IOException {
    orders.exec(
        java(),
        "-XX:TieredStopAtLevel=1",
        "-cp",
        proxyJar.toString(),
        "io.attache.dataplane.iptables.IptablesMain",
        "--outbound-port",
        Integer.toString(workload.outboundPort()),
        "--inbound-port",
        Integer.toString(workload.inboundPort()),
        "--proxy-uid",
        Long.toString(PROXY_UID),
        "--admin-port",
        Integer.toString(workload.adminPort()));
  }

  /**
   * orders' app in the namespace as root — an ordinary process whose calls iptables captures —
   * calling payments at its virtual address.
   */
  ChildProcess startApp(Workload workload, int shift, Path log) throws IOException {
    List<String> command =
        List.of(
            java(),
            "-XX:TieredStopAtLevel=1",
            "-Xmx64m",
            "-cp",
            System.getProperty("java.class.path"),
            DemoService.class.getName(),
            workload.name(),
            Integer.toString(shift),
            "http://" + PAYMENTS_ADDRESS + ":" + PAYMENTS_PORT);
    return ChildProcess.startBinary(workload.name() + "-app", orders.inNamespace(command), log);
  }

  private static List<String> asUid(long uid) {
    return List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups");
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  public void close() {
    orders.close();
    gateway.close();
  }
}
