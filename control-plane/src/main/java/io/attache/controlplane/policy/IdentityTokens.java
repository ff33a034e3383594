package io.attache.controlplane.policy;

import com.google.protobuf.Duration;
import io.attache.api.policy.v1.IdentityTokenPolicy;
import io.attache.api.policy.v1.MeshDefaults;
import java.util.Set;

/**
 * The mesh's identity-token settings with their defaults filled in ({@code
 * defaults.identity_token}): whether sidecars mint and verify JWT-SVIDs, in which header, for how
 * long. Pure; reads only the defaults it is given.
 */
public record IdentityTokens(boolean enabled, String header, Duration lifetime) {

  public static final String DEFAULT_HEADER = "x-service-identity";

  /** The header that carries the token as "Bearer &lt;token&gt;" rather than alone. */
  public static final String AUTHORIZATION_HEADER = "authorization";

  /**
   * The header in which a callee's sidecar hands the verified caller's SPIFFE ID to its app. The
   * sidecar removes whatever a caller sent under it before verifying, so only it sets it.
   */
  public static final String CALLER_HEADER = "x-attache-caller";

  public static final Duration DEFAULT_LIFETIME = Duration.newBuilder().setSeconds(300).build();
  public static final Duration MIN_LIFETIME = Duration.newBuilder().setSeconds(1).build();

  /** Well below the signing keys' 6 h rotation period, which bounds how long a token verifies. */
  public static final Duration MAX_LIFETIME = Duration.newBuilder().setSeconds(3600).build();

  /** Headers a token may not travel in: pseudo-headers, routing and the sidecars' own. */
  static final Set<String> FORBIDDEN_HEADERS =
      Set.of(
          CALLER_HEADER,
          "host",
          "x-forwarded-client-cert",
          "x-request-id",
          "traceparent",
          "tracestate",
          "content-length",
          "transfer-encoding",
          "connection");

  public static IdentityTokens of(MeshDefaults defaults) {
    IdentityTokenPolicy policy = defaults.getIdentityToken();
    return new IdentityTokens(
        policy.getEnabled().getValue(),
        policy.getHeader().isEmpty() ? DEFAULT_HEADER : policy.getHeader(),
        policy.hasLifetime() ? policy.getLifetime() : DEFAULT_LIFETIME);
  }

  /** True when the token travels as "Authorization: Bearer &lt;token&gt;". */
  public boolean bearer() {
    return header.equals(AUTHORIZATION_HEADER);
  }
}
