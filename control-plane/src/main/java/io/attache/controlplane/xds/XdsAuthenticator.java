package io.attache.controlplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Decides who is at the other end of an xDS stream — by the SPIFFE ID of its client certificate
 * (already chain-checked by the TLS handshake against the mesh root) or by a bootstrap token sent
 * as {@code authorization: Bearer <token>} — and writes that identity into every request's node
 * metadata under {@link ProxyGroup#AUTHENTICATED_IDENTITY_METADATA_KEY}, overwriting anything the
 * client put there. The node group, and so the SDS secrets a stream can see, follow from that key
 * alone. Presented credentials that fail, or no credentials where they are required, refuse the
 * stream before it reaches the discovery server; the refusal is logged with the node's id and
 * claimed identity once it has sent its first request. Never logs a token.
 */
public final class XdsAuthenticator implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Whether a stream without credentials may go on (and receive everything but secrets). */
  public enum Requirement {
    OPTIONAL,
    REQUIRED
  }

  /** How a stream was authenticated. */
  public enum Method {
    CLIENT_CERTIFICATE,
    BOOTSTRAP_TOKEN,
    NONE,
    REFUSED
  }

  /** The outcome for one stream: the identity proved (empty for NONE/REFUSED) and why. */
  public record Authentication(Method method, String identity, String reason) {}

  private final String trustDomain;
  private final TokenVerifier tokens;
  private final Requirement requirement;
  private final RefusalLog refusals;

  public XdsAuthenticator(
      String trustDomain, TokenVerifier tokens, Requirement requirement, RefusalLog refusals) {
    this.trustDomain = trustDomain;
    this.tokens = tokens;
    this.requirement = requirement;
    this.refusals = refusals;
  }

  /** Authenticates nobody and lets everybody through without secrets: the plaintext default. */
  public static XdsAuthenticator anonymous() {
    return new XdsAuthenticator(
        "attache.local",
        TokenVerifier.NONE,
        Requirement.OPTIONAL,
        new RefusalLog(java.time.Clock.systemUTC()));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Authentication authentication;
    try {
      authentication = authenticate(call, headers);
    } catch (StoreException e) {
      // A shared store that is down cannot say whether a token is valid: not a refusal of the
      // proxy, a reason to come back (UNAVAILABLE is retried; UNAUTHENTICATED would be final).
      call.close(
          Status.UNAVAILABLE.withDescription(
              "cannot check the bootstrap token now: the policy store cannot be reached"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (authentication.method() == Method.NONE && requirement == Requirement.REQUIRED) {
      authentication =
          new Authentication(
              Method.REFUSED,
              ProxyGroup.NO_IDENTITY,
              "no client certificate and no bootstrap token; this xDS server requires one");
    }
    if (authentication.method() == Method.REFUSED) {
      return refuse(call, authentication.reason());
    }
    String identity = authentication.identity();
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        super.onMessage(stamped(message, identity));
      }
    };
  }

  Authentication authenticate(ServerCall<?, ?> call, Metadata headers) {
    Authentication byCertificate =
        byCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    Authentication byToken = byToken(headers.get(AUTHORIZATION));
    if (byCertificate.method() == Method.REFUSED || byToken.method() == Method.REFUSED) {
      return byCertificate.method() == Method.REFUSED ? byCertificate : byToken;
    }
    if (byCertificate.method() == Method.CLIENT_CERTIFICATE
        && byToken.method() == Method.BOOTSTRAP_TOKEN
        && !byCertificate.identity().equals(byToken.identity())) {
      return new Authentication(
          Method.REFUSED,
          ProxyGroup.NO_IDENTITY,
          "the client certificate ("
              + byCertificate.identity()
              + ") and the bootstrap token ("
              + byToken.identity()
              + ") name different identities");
    }
    return byCertificate.method() == Method.CLIENT_CERTIFICATE ? byCertificate : byToken;
  }

  private Authentication byCertificate(SSLSession session) {
    if (session == null) {
      return none();
    }
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return none();
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
      return none();
    }
    List<String> uris = uriSans(leaf);
    List<SpiffeId> ours =
        uris.stream()
            .map(SpiffeId::parse)
            .flatMap(Optional::stream)
            .filter(id -> id.trustDomain().equals(trustDomain))
            .toList();
    if (ours.size() != 1 || uris.size() != 1) {
      return new Authentication(
          Method.REFUSED,
          ProxyGroup.NO_IDENTITY,
          "the client certificate (serial "
              + leaf.getSerialNumber().toString(16)
              + ") must carry exactly one URI SAN, a SPIFFE ID of trust domain "
              + trustDomain
              + "; it has "
              + uris);
    }
    return new Authentication(Method.CLIENT_CERTIFICATE, ours.get(0).uri(), "client certificate");
  }

  private Authentication byToken(String authorization) {
    if (authorization == null) {
      return none();
    }
    String value = authorization.trim();
    if (!value.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
      return new Authentication(
          Method.REFUSED, ProxyGroup.NO_IDENTITY, "authorization metadata is not 'Bearer <token>'");
    }
    Optional<String> identity = tokens.identityOf(value.substring("bearer ".length()).trim());
    if (identity.isEmpty()) {
      return new Authentication(
          Method.REFUSED, ProxyGroup.NO_IDENTITY, "unknown or revoked bootstrap token");
    }
    return new Authentication(Method.BOOTSTRAP_TOKEN, identity.get(), "bootstrap token");
  }

  private static Authentication none() {
    return new Authentication(Method.NONE, ProxyGroup.NO_IDENTITY, "no credentials");
  }

  private static List<String> uriSans(X509Certificate certificate) {
    List<String> uris = new ArrayList<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (Integer.valueOf(6).equals(name.get(0))) {
            uris.add(String.valueOf(name.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return uris;
  }

  /**
   * Refuses the call without ever starting it on the discovery server, so nothing of it is served
   * or tracked; waits for the first request only to log who it was.
   */
  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String reason) {
    call.request(1);
    return new ServerCall.Listener<>() {
      private boolean closed;

      @Override
      public void onMessage(Q message) {
        close(nodeOf(message));
      }

      @Override
      public void onHalfClose() {
        close(Node.getDefaultInstance());
      }

      private void close(Node node) {
        if (closed) {
          return;
        }
        closed = true;
        refusals.refused(
            node.getId(),
            claimed(node),
            "stream from " + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
            reason);
        call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
      }
    };
  }

  private String claimed(Node node) {
    return SpiffeId.claimedBy(node, trustDomain).map(SpiffeId::uri).orElse("no usable identity");
  }

  private static Node nodeOf(Object message) {
    if (message instanceof DiscoveryRequest request) {
      return request.getNode();
    }
    if (message instanceof DeltaDiscoveryRequest request) {
      return request.getNode();
    }
    return Node.getDefaultInstance();
  }

  @SuppressWarnings("unchecked")
  private static <Q> Q stamped(Q message, String identity) {
    if (message instanceof DiscoveryRequest request && request.hasNode()) {
      return (Q) request.toBuilder().setNode(stamped(request.getNode(), identity)).build();
    }
    if (message instanceof DeltaDiscoveryRequest request && request.hasNode()) {
      return (Q) request.toBuilder().setNode(stamped(request.getNode(), identity)).build();
    }
    return message;
  }

  private static Node stamped(Node node, String identity) {
    Struct.Builder metadata = node.getMetadata().toBuilder();
    if (identity.isEmpty()) {
      metadata.removeFields(ProxyGroup.AUTHENTICATED_IDENTITY_METADATA_KEY);
    } else {
      metadata.putFields(
          ProxyGroup.AUTHENTICATED_IDENTITY_METADATA_KEY,
          Value.newBuilder().setStringValue(identity).build());
    }
    return node.toBuilder().setMetadata(metadata).build();
  }
}
