package io.attache.controlplane.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The control plane's layers, enforced: no package depends on itself through others; the policy
 * model and its editor know nothing of translation, the xDS server or the REST API; the store knows
 * nothing above it; identities ({@code identity}) are values every layer may use; the xDS server
 * never reaches into the certificate authority, which plugs into it through the xDS package's
 * interfaces.
 */
class LayersTest {
  private static final String ROOT = "io.attache.controlplane";
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void packagesHaveNoCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void policyKnowsNothingOfTranslationTheServersOrTheRestApi() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".policy..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".translate..", ROOT + ".xds..", ROOT + ".rest..", ROOT + ".replica..")
        .check(CLASSES);
  }

  @Test
  void theStoreKnowsNothingAboveIt() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".policy..",
            ROOT + ".translate..",
            ROOT + ".xds..",
            ROOT + ".rest..",
            ROOT + ".ca..")
        .check(CLASSES);
  }

  @Test
  void theXdsServerNeverReachesIntoTheCertificateAuthority() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".xds..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT + ".ca..")
        .check(CLASSES);
  }

  @Test
  void identitiesAreValuesThatDependOnNoOtherLayer() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".identity..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + ".ca..",
            ROOT + ".xds..",
            ROOT + ".policy..",
            ROOT + ".translate..",
            ROOT + ".rest..",
            ROOT + ".store..")
        .check(CLASSES);
  }
}
