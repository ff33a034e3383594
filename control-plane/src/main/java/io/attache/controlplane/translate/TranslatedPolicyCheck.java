package io.attache.controlplane.translate;

import com.google.protobuf.Message;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.GeneratedConfigCheck;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.policy.PolicyValidator;
import io.attache.controlplane.validate.EnvoyRuleValidator;
import io.attache.controlplane.validate.Violation;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Translates a candidate policy for every client kind (and, for each service an authorization
 * targets or that authenticates end users, as a sidecar with an app, which is where the inbound
 * listener with its RBAC and jwt_authn filters and the JWKS fetch clusters appear) and runs Envoy's
 * PGV rules on every generated resource: what no proxy would accept is refused before it is stored.
 * It never publishes what it translates.
 */
public final class TranslatedPolicyCheck implements GeneratedConfigCheck {

  /** A sidecar with an app, so validation sees the inbound listener every such node gets. */
  private static final Sidecar VALIDATION_SIDECAR =
      new Sidecar(
          Sidecar.DEFAULT.outboundAddress(),
          Sidecar.DEFAULT_OUTBOUND_PORT,
          Sidecar.DEFAULT.inboundAddress(),
          Sidecar.DEFAULT_INBOUND_PORT,
          Sidecar.DEFAULT.appAddress(),
          8080);

  private final SnapshotTranslator translator = new SnapshotTranslator();
  private final EnvoyRuleValidator envoyValidator;

  public TranslatedPolicyCheck(EnvoyRuleValidator envoyValidator) {
    this.envoyValidator = envoyValidator;
  }

  @Override
  public void check(PolicySnapshot candidate) throws PolicyRejection {
    for (ClientKind client : ClientKind.values()) {
      EnvoyResources generated =
          translator.translate(candidate, new ProxyGroup("validation", client));
      checkGenerated(generated.clusters(), "clusters", r -> ((Cluster) r).getName());
      checkGenerated(
          generated.endpoints(), "endpoints", r -> ((ClusterLoadAssignment) r).getClusterName());
      checkGenerated(generated.listeners(), "listeners", r -> ((Listener) r).getName());
      checkGenerated(generated.routes(), "routes", r -> ((RouteConfiguration) r).getName());
    }
    for (String target : targets(candidate)) {
      EnvoyResources inbound =
          translator.translate(
              candidate, new ProxyGroup(target, ClientKind.PROXY, VALIDATION_SIDECAR));
      checkGenerated(inbound.listeners(), "listeners", r -> ((Listener) r).getName());
      checkGenerated(inbound.clusters(), "clusters", r -> ((Cluster) r).getName());
    }
  }

  private static SortedSet<String> targets(PolicySnapshot candidate) {
    SortedSet<String> targets = new TreeSet<>();
    candidate.authorizations().values().forEach(a -> targets.add(a.getTarget()));
    candidate.services().values().stream()
        .filter(Service::hasRequestAuthentication)
        .forEach(s -> targets.add(s.getName()));
    return targets;
  }

  private void checkGenerated(
      List<? extends Message> resources, String type, Function<Message, String> name)
      throws PolicyRejection {
    for (Message resource : resources) {
      List<Violation> violations = envoyValidator.validate(resource);
      if (!violations.isEmpty()) {
        Violation first =
            violations
                .get(0)
                .under("generated " + PolicyValidator.path(type, name.apply(resource)));
        throw new PolicyRejection(PolicyRejection.Reason.INVALID, first.field(), first.message());
      }
    }
  }
}
