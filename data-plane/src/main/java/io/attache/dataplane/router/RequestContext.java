package io.attache.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What the route table needs to know about a request beyond its headers: the scheme it arrived with
 * (Envoy's {@code :scheme}) and the downstream source address (for {@code
 * connection_properties.source_ip} hashing). Immutable.
 *
 * @param scheme the request's scheme; when empty, {@code x-forwarded-proto} is used if the
 *     integrator set it, else {@code "http"}
 * @param sourceAddress the downstream peer's IP address, if known
 * @param clientCertificateValidated whether the downstream connection presented a client
 *     certificate that was validated ({@code RouteMatch.tls_context}); Attaché's TLS never accepts
 *     an unvalidated one, so presented and validated are the same here
 */
public record RequestContext(
    Optional<String> scheme,
    Optional<InetAddress> sourceAddress,
    boolean clientCertificateValidated) {
  /** No scheme override and no source address: scheme from {@code x-forwarded-proto} or http. */
  public static final RequestContext DEFAULT =
      new RequestContext(Optional.empty(), Optional.empty(), false);

  public RequestContext {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(sourceAddress, "sourceAddress");
  }

  public RequestContext(Optional<String> scheme, Optional<InetAddress> sourceAddress) {
    this(scheme, sourceAddress, false);
  }

  public static RequestContext of(String scheme, InetAddress sourceAddress) {
    return new RequestContext(Optional.of(scheme), Optional.ofNullable(sourceAddress), false);
  }

  /** With the state of the downstream connection's client certificate. */
  public RequestContext withClientCertificate(boolean validated) {
    return new RequestContext(scheme, sourceAddress, validated);
  }

  String scheme(HttpHeaders headers) {
    if (scheme.isPresent()) {
      return scheme.get();
    }
    String forwarded = headers.get("x-forwarded-proto");
    return forwarded == null || forwarded.isEmpty() ? "http" : forwarded;
  }
}
