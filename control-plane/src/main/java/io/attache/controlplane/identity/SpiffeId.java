package io.attache.controlplane.identity;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A workload identity, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>} — the
 * Istio layout of a SPIFFE ID. Immutable; never trusted because a client sent it, only because a
 * certificate or token proved it.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {

  /**
   * Node metadata key naming the namespace a node claims; {@value #DEFAULT_NAMESPACE} if absent.
   */
  public static final String NAMESPACE_METADATA_KEY = "attache.namespace";

  /** Node metadata key naming the service account a node claims; node.cluster if absent. */
  public static final String SERVICE_ACCOUNT_METADATA_KEY = "attache.service_account";

  public static final String DEFAULT_NAMESPACE = "default";

  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._-]{1,253}");
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");

  public SpiffeId {
    if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
      throw new IllegalArgumentException(
          "trust domain '" + trustDomain + "' must be lower-case letters, digits, '.', '-', '_'");
    }
    requireLabel("namespace", namespace);
    requireLabel("service account", serviceAccount);
  }

  private static void requireLabel(String what, String value) {
    if (!LABEL.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' must be letters, digits, '.', '-', '_' (1 to 253)");
    }
  }

  public String uri() {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /** Parses the URI form; empty when it is not a SPIFFE ID of the ns/sa layout. */
  public static Optional<SpiffeId> parse(String uri) {
    if (uri == null || !uri.startsWith("spiffe://")) {
      return Optional.empty();
    }
    String[] parts = uri.substring("spiffe://".length()).split("/", -1);
    if (parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new SpiffeId(parts[0], parts[2], parts[4]));
    } catch (IllegalArgumentException notAnId) {
      return Optional.empty();
    }
  }

  /**
   * The identity a node claims through its metadata ({@code attache.namespace}, {@code
   * attache.service_account}, defaulting to {@code default} and node.cluster). A claim only; empty
   * when the node names nothing usable.
   */
  public static Optional<SpiffeId> claimedBy(Node node, String trustDomain) {
    Struct metadata = node.getMetadata();
    String namespace = string(metadata, NAMESPACE_METADATA_KEY, DEFAULT_NAMESPACE);
    String serviceAccount = string(metadata, SERVICE_ACCOUNT_METADATA_KEY, node.getCluster());
    try {
      return Optional.of(new SpiffeId(trustDomain, namespace, serviceAccount));
    } catch (IllegalArgumentException unusable) {
      return Optional.empty();
    }
  }

  private static String string(Struct metadata, String key, String fallback) {
    Value value = metadata.getFieldsOrDefault(key, null);
    return value != null && value.getKindCase() == Value.KindCase.STRING_VALUE
        ? value.getStringValue()
        : fallback;
  }

  @Override
  public String toString() {
    return uri();
  }
}
