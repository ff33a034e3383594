package io.attache.dataplane.iptables;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.netns.NetworkNamespace;
import io.attache.testing.netns.NetnsExtension;
import io.attache.testing.netns.NetnsScripts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code attache iptables} in network namespaces the test creates: an "app" namespace whose TCP is
 * captured and a "remote" one on a veth pair (10.231.0.0/24), with Python probes standing in for
 * the proxy's listeners, the app and remote servers. Every check is a real connection through the
 * kernel's nat table, in both the nft and the legacy iptables; nothing touches the host's
 * namespace.
 */
@ExtendWith(NetnsExtension.class)
class IptablesNetnsIT {

  private static final String APP_IP = "10.231.0.1";
  private static final String REMOTE_IP = "10.231.0.2";
  private static final String REMOTE_EXCLUDED_IP = "10.231.0.3";
  private static final long PROXY_UID = 1337;

  private NetworkNamespace app;
  private NetworkNamespace remote;

  @BeforeEach
  void namespaces() throws IOException {
    app = NetworkNamespace.create("attache-app");
    remote = NetworkNamespace.create("attache-remote");
    NetworkNamespace.link(app, APP_IP + "/24", remote, REMOTE_IP + "/24");
    remote.exec("ip", "addr", "add", REMOTE_EXCLUDED_IP + "/24", "dev", remoteInterface());
    NetnsScripts.startProbe(app, "0.0.0.0", 15001, "outbound-listener");
    NetnsScripts.startProbe(app, "0.0.0.0", 15006, "inbound-listener");
    NetnsScripts.startProbe(app, "0.0.0.0", 8080, "app");
    NetnsScripts.startProbe(app, "0.0.0.0", 2222, "app-ssh");
    NetnsScripts.startProbe(app, "127.0.0.1", 9000, "app-loopback");
    NetnsScripts.startProbe(remote, "0.0.0.0", 8080, "remote");
    NetnsScripts.startProbe(remote, "0.0.0.0", 18000, "control-plane");
    NetnsScripts.startProbe(remote, "0.0.0.0", 5432, "remote-database");
  }

  @AfterEach
  void deleteNamespaces() {
    if (app != null) {
      app.close();
    }
    if (remote != null) {
      remote.close();
    }
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void capturesOutboundAndInboundTcpAndLetsThroughWhatIsExcluded(String mode) throws IOException {
    assertThat(iptables(mode).exitCode()).isZero();

    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 8080, null))
        .as("the app's call to a plain IP:port lands on the outbound listener, original kept")
        .startsWith("outbound-listener original-dst=" + REMOTE_IP + ":8080");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 8080, PROXY_UID))
        .as("the proxy's own connection is never captured: no loop")
        .startsWith("remote original-dst=-");
    assertThat(NetnsScripts.callProbe(remote, APP_IP, 8080, null))
        .as("a caller reaching the app's port lands on the inbound listener")
        .startsWith("inbound-listener original-dst=" + APP_IP + ":8080");
    assertThat(NetnsScripts.callProbe(remote, APP_IP, 2222, null))
        .as("--exclude-inbound-ports")
        .startsWith("app-ssh original-dst=-");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 5432, null))
        .as("--exclude-outbound-ports")
        .startsWith("remote-database original-dst=-");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 18000, null))
        .as("the control plane's xDS port is excluded by default")
        .startsWith("control-plane original-dst=-");
    assertThat(NetnsScripts.callProbe(app, REMOTE_EXCLUDED_IP, 8080, null))
        .as("--exclude-cidrs")
        .startsWith("remote original-dst=-");
    assertThat(NetnsScripts.callProbe(app, "127.0.0.1", 9000, null))
        .as("loopback is never captured")
        .startsWith("app-loopback original-dst=-");
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void runningItTwiceLeavesOneSetOfRulesAndCleanupRemovesThemAll(String mode) throws IOException {
    assertThat(iptables(mode).exitCode()).isZero();
    List<String> once = ourRules(mode);
    assertThat(iptables(mode).exitCode()).isZero();
    List<String> twice = ourRules(mode);

    assertThat(twice).isEqualTo(once);
    assertThat(twice)
        .filteredOn(rule -> rule.startsWith("-A OUTPUT") || rule.startsWith("-A PREROUTING"))
        .containsExactly(
            "-A PREROUTING -p tcp -j ATTACHE_INBOUND", "-A OUTPUT -p tcp -j ATTACHE_OUTPUT");
    assertThat(twice).contains("-A ATTACHE_OUTPUT -m owner --uid-owner 1337 -j RETURN");

    NetworkNamespace.Output cleanup = run("--cleanup");
    assertThat(cleanup.exitCode()).isZero();
    assertThat(cleanup.stdout()).contains("removed Attaché's rules (iptables " + mode + ")");
    assertThat(saved(mode)).doesNotContain("ATTACHE");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 8080, null))
        .startsWith("remote original-dst=-");
    assertThat(run("--cleanup").stdout()).contains("no Attaché rules to remove");
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void autoModePicksTheVariantThatAlreadyHoldsRules(String mode) throws IOException {
    // Another component (kube-proxy, Docker) programmed this variant first.
    app.exec(
        "iptables-" + mode,
        "-t",
        "filter",
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "1",
        "-j",
        "ACCEPT");
    app.exec(
        "iptables-" + mode,
        "-t",
        "filter",
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "2",
        "-j",
        "ACCEPT");

    NetworkNamespace.Output installed = run(arguments("auto"));

    assertThat(installed.exitCode()).as(installed.stderr()).isZero();
    assertThat(installed.stdout()).contains("(iptables " + mode + ",");
    assertThat(saved(mode)).contains("-A OUTPUT -p tcp -j ATTACHE_OUTPUT");
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void dryRunPrintsTheRulesAndChangesNothing(String mode) throws IOException {
    List<String> args = new ArrayList<>(arguments(mode));
    args.add("--dry-run");

    NetworkNamespace.Output dryRun = run(args.toArray(String[]::new));

    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.stdout())
        .contains("-A ATTACHE_REDIRECT -p tcp -j REDIRECT --to-ports 15001")
        .contains("-A ATTACHE_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006")
        .contains("COMMIT");
    assertThat(saved(mode)).doesNotContain("ATTACHE");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 8080, null))
        .startsWith("remote original-dst=-");
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void tproxyModeInstallsOneSetOfMangleRulesAndPolicyRoutingAndCleanupRemovesThem(String mode)
      throws IOException {
    List<String> args = new ArrayList<>(arguments(mode));
    args.addAll(List.of("--mode", "tproxy"));
    List<String> dryRunArgs = new ArrayList<>(args);
    dryRunArgs.add("--dry-run");

    NetworkNamespace.Output dryRun = run(dryRunArgs);
    assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
    assertThat(dryRun.stdout())
        .contains("-A ATTACHE_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --on-port 15006")
        .contains("-A ATTACHE_INBOUND -p tcp -m tcp --dport 2222 -j RETURN")
        .contains("ip -4 rule add fwmark 1337 lookup 133")
        .contains("ip -4 route replace local 0.0.0.0/0 dev lo table 133")
        .doesNotContain("--to-ports 15006");
    assertThat(saved(mode, "mangle")).doesNotContain("ATTACHE");
    assertThat(tproxyRouting()).isEmpty();

    assertThat(run(args).exitCode()).isZero();
    List<String> once = NatRules.ourRules(saved(mode, "mangle"));
    NetworkNamespace.Output again = run(args);
    assertThat(again.exitCode()).as(again.stderr()).isZero();

    assertThat(NatRules.ourRules(saved(mode, "mangle"))).isEqualTo(once);
    assertThat(once)
        .contains(
            "-A PREROUTING -p tcp -j ATTACHE_INBOUND",
            "-A ATTACHE_INBOUND -p tcp -m socket -j ATTACHE_DIVERT",
            "-A ATTACHE_DIVERT -j MARK --set-xmark 0x539/0xffffffff");
    assertThat(tproxyRouting())
        .as("one policy rule however often it runs, and the local route")
        .containsExactly("fwmark 0x539 lookup 133", "local default dev lo");
    assertThat(saved(mode))
        .as("inbound is the mangle table's; nat keeps only the outbound capture")
        .contains("-A OUTPUT -p tcp -j ATTACHE_OUTPUT")
        .doesNotContain("ATTACHE_INBOUND", "ATTACHE_IN_REDIRECT");
    assertThat(NetnsScripts.callProbe(app, REMOTE_IP, 8080, null))
        .startsWith("outbound-listener original-dst=" + REMOTE_IP + ":8080");

    NetworkNamespace.Output cleanup = run("--cleanup");
    assertThat(cleanup.exitCode()).as(cleanup.stderr()).isZero();
    assertThat(cleanup.stdout()).contains("removed Attaché's TPROXY rules and policy routing");
    assertThat(saved(mode, "mangle")).doesNotContain("ATTACHE");
    assertThat(saved(mode)).doesNotContain("ATTACHE");
    assertThat(tproxyRouting()).isEmpty();
  }

  @ParameterizedTest(name = "iptables {0}")
  @ValueSource(strings = {"nft", "legacy"})
  void switchingBackToRedirectModeRemovesTheTproxyCapture(String mode) throws IOException {
    List<String> tproxy = new ArrayList<>(arguments(mode));
    tproxy.addAll(List.of("--mode", "tproxy"));
    assertThat(run(tproxy).exitCode()).isZero();

    iptables(mode);

    assertThat(saved(mode, "mangle")).doesNotContain("ATTACHE");
    assertThat(tproxyRouting()).isEmpty();
    assertThat(NetnsScripts.callProbe(remote, APP_IP, 8080, null))
        .startsWith("inbound-listener original-dst=" + APP_IP + ":8080");
  }

  private NetworkNamespace.Output iptables(String mode) throws IOException {
    NetworkNamespace.Output output = run(arguments(mode));
    assertThat(output.exitCode()).as(output.stdout() + output.stderr()).isZero();
    return output;
  }

  private static List<String> arguments(String mode) {
    return List.of(
        "--iptables-mode",
        mode,
        "--proxy-uid",
        Long.toString(PROXY_UID),
        "--exclude-inbound-ports",
        "2222",
        "--exclude-outbound-ports",
        "5432",
        "--exclude-cidrs",
        REMOTE_EXCLUDED_IP + "/32");
  }

  private NetworkNamespace.Output run(List<String> args) throws IOException {
    return run(args.toArray(String[]::new));
  }

  /** The tool as a user runs it: its own JVM, inside the namespace it programs. */
  private NetworkNamespace.Output run(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(IptablesMain.class.getName());
    command.addAll(List.of(args));
    return app.execAllowingFailure(command.toArray(String[]::new));
  }

  private List<String> ourRules(String mode) throws IOException {
    return NatRules.ourRules(saved(mode));
  }

  private String saved(String mode) throws IOException {
    return saved(mode, "nat");
  }

  private String saved(String mode, String table) throws IOException {
    return app.exec("iptables-" + mode + "-save", "-t", table).stdout();
  }

  /** The app namespace's policy rules for table 133 and that table's routes, as ip prints them. */
  private List<String> tproxyRouting() throws IOException {
    List<String> routing = new ArrayList<>();
    for (String rule : app.exec("ip", "-4", "rule", "show").stdout().split("\n")) {
      if (rule.contains("lookup 133")) {
        routing.add(rule.substring(rule.indexOf("fwmark")).strip());
      }
    }
    NetworkNamespace.Output routes =
        app.execAllowingFailure("ip", "-4", "route", "show", "table", "133");
    for (String route : routes.stdout().split("\n")) {
      if (!route.isBlank()) {
        routing.add(route.replace("scope host", "").strip());
      }
    }
    return routing;
  }

  private String remoteInterface() throws IOException {
    String links = remote.exec("ip", "-o", "link", "show", "type", "veth").stdout();
    return links.split(":")[1].strip().split("@")[0];
  }
}
