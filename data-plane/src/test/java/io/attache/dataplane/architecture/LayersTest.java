package io.attache.dataplane.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The data plane's layers, enforced: no package depends on itself through others, and the request
 * path's pieces point one way — connection manager ({@code proxy}) → filters ({@code filter..}) →
 * route tables ({@code router}) → matchers ({@code matcher}) — with time, runtime, stats and config
 * at the bottom. The listener ({@code listener}) sits above both terminal network filters: the HTTP
 * connection manager and {@code tcpproxy} (and the UDP listener's {@code udpproxy}), which with
 * {@code listenerfilter} know nothing of the HTTP path (its tunnels over HTTP are {@code tunnel}'s,
 * which knows no more).
 */
class LayersTest {
  private static final String ROOT = "io.attache.dataplane";
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void packagesHaveNoCycles() {
    slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void loadBalancersKnowHostsButNoCluster() {
    // A cluster (upstream) builds its balancer (upstream.lb); the balancer picks among the host
    // model (upstream.host) and never reaches back into the cluster.
    classes()
        .that()
        .resideInAPackage(ROOT + ".upstream.lb")
        .should()
        .onlyDependOnClassesThat(
            resideOutsideOfPackage(ROOT + "..")
                .or(
                    resideInAnyPackage(
                        ROOT + ".upstream.lb",
                        ROOT + ".upstream.host",
                        ROOT + ".hash..",
                        ROOT + ".matcher..",
                        ROOT + ".time..",
                        ROOT + ".stats..")))
        .check(CLASSES);
    classes()
        .that()
        .resideInAPackage(ROOT + ".upstream.host")
        .should()
        .onlyDependOnClassesThat(
            resideOutsideOfPackage(ROOT + "..").or(resideInAPackage(ROOT + ".upstream.host")))
        .check(CLASSES);
  }

  @Test
  void filtersKnowNothingOfTheConnectionManagerOrTheServer() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".filter..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".proxy..",
            ROOT + ".listener..",
            ROOT + ".hcm..",
            ROOT + ".server..",
            ROOT + ".xds..",
            ROOT + ".admin..")
        .check(CLASSES);
  }

  @Test
  void routeTablesKnowNoFilterAndNoConnection() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".router")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".filter..", ROOT + ".proxy..", ROOT + ".hcm..", ROOT + ".listener..")
        .check(CLASSES);
  }

  @Test
  void l4FiltersKnowNothingOfHttpTheListenerOrTheServer() {
    noClasses()
        .that()
        .resideInAnyPackage(
            ROOT + ".tcpproxy..",
            ROOT + ".udpproxy..",
            ROOT + ".listenerfilter..",
            ROOT + ".tunnel..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".proxy..",
            ROOT + ".filter..",
            ROOT + ".hcm..",
            ROOT + ".router..",
            ROOT + ".listener",
            ROOT + ".server..",
            ROOT + ".xds..",
            ROOT + ".admin..")
        .check(CLASSES);
  }

  @Test
  void matchersTimeAndRuntimeSitAtTheBottom() {
    classes()
        .that()
        .resideInAnyPackage(ROOT + ".matcher..", ROOT + ".time..", ROOT + ".runtime..")
        .should()
        .onlyDependOnClassesThat(
            resideOutsideOfPackage(ROOT + "..")
                .or(
                    resideInAnyPackage(
                        ROOT + ".matcher..",
                        ROOT + ".time..",
                        ROOT + ".runtime..",
                        ROOT + ".stats..",
                        ROOT + ".config..")))
        .check(CLASSES);
  }

  @Test
  void theConnectionManagerDoesNotReachIntoTheRouterFilterOrTheServer() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".proxy..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".filter.router..",
            ROOT + ".filter.rbac..",
            ROOT + ".filter.fault..",
            ROOT + ".server..",
            ROOT + ".xds..")
        .check(CLASSES);
  }
}
