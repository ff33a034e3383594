package io.attache.controlplane.xds;

import java.util.Optional;

/**
 * Answers which identity a bootstrap token was issued for, if it is known and not revoked. {@link
 * #NONE} knows no token, so every presented token is refused.
 */
@FunctionalInterface
public interface TokenVerifier {

  TokenVerifier NONE = token -> Optional.empty();

  /** The SPIFFE ID (URI form) the token was issued for. */
  Optional<String> identityOf(String token);
}
