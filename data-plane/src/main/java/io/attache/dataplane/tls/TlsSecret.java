package io.attache.dataplane.tls;

import com.google.protobuf.ByteString;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One parsed {@code envoy.extensions.transport_sockets.tls.v3.Secret}: a certificate with its key,
 * a validation context (trust bundle and SAN matchers), or a {@code generic_secret} (opaque bytes
 * for a filter that reads them, such as the service identity token's signing key). Immutable;
 * parsed once when the secret arrives (bootstrap or SDS), so a bad secret is refused before
 * anything uses it.
 */
public sealed interface TlsSecret {

  /**
   * {@code tls_certificate}; {@code source} is where the chain was read, as Envoy's {@code /certs}
   * prints it: the file's path, or {@code <inline>}.
   */
  record CertificateKeyPair(List<X509Certificate> chain, PrivateKey privateKey, String source)
      implements TlsSecret {
    public CertificateKeyPair {
      chain = List.copyOf(chain);
    }

    /** Material given inline (or built in memory). */
    public CertificateKeyPair(List<X509Certificate> chain, PrivateKey privateKey) {
      this(chain, privateKey, Pem.INLINE);
    }

    public static CertificateKeyPair from(TlsCertificate proto, String path)
        throws ConfigException {
      if (proto.hasPkcs12()) {
        throw new ConfigException(path + ".pkcs12", "is not supported; use PEM");
      }
      if (proto.hasPrivateKeyProvider()) {
        throw new ConfigException(path + ".private_key_provider", "is not supported");
      }
      if (proto.hasPassword()) {
        throw new ConfigException(path + ".password", "encrypted private keys are not supported");
      }
      if (!proto.hasCertificateChain()) {
        throw new ConfigException(path + ".certificate_chain", "is required");
      }
      if (!proto.hasPrivateKey()) {
        throw new ConfigException(path + ".private_key", "is required");
      }
      return new CertificateKeyPair(
          Pem.certificates(proto.getCertificateChain(), path + ".certificate_chain"),
          Pem.privateKey(proto.getPrivateKey(), path + ".private_key"),
          Pem.sourceName(proto.getCertificateChain()));
    }
  }

  /**
   * {@code validation_context}: the CAs a peer must chain to, and the SANs it must carry; {@code
   * source} is where the CAs were read (a file's path, or {@code <inline>}).
   */
  record ValidationContext(List<X509Certificate> trustedCa, SanMatcher sanMatcher, String source)
      implements TlsSecret {
    public ValidationContext {
      trustedCa = List.copyOf(trustedCa);
    }

    /** CAs given inline (or built in memory). */
    public ValidationContext(List<X509Certificate> trustedCa, SanMatcher sanMatcher) {
      this(trustedCa, sanMatcher, Pem.INLINE);
    }

    public static ValidationContext from(CertificateValidationContext proto, String path)
        throws ConfigException {
      if (proto.getMatchSubjectAltNamesCount() > 0) {
        throw new ConfigException(
            path + ".match_subject_alt_names", "is deprecated; use match_typed_subject_alt_names");
      }
      if (proto.hasSystemRootCerts()) {
        throw new ConfigException(path + ".system_root_certs", "is not supported; use trusted_ca");
      }
      if (proto.getTrustChainVerification()
          != CertificateValidationContext.TrustChainVerification.VERIFY_TRUST_CHAIN) {
        throw new ConfigException(
            path + ".trust_chain_verification", "only VERIFY_TRUST_CHAIN is supported");
      }
      if (!proto.hasTrustedCa()) {
        throw new ConfigException(
            path + ".trusted_ca", "is required (certificates are verified against it)");
      }
      return new ValidationContext(
          Pem.certificates(proto.getTrustedCa(), path + ".trusted_ca"),
          SanMatcher.from(
              proto.getMatchTypedSubjectAltNamesList(), path + ".match_typed_subject_alt_names"),
          Pem.sourceName(proto.getTrustedCa()));
    }
  }

  /**
   * {@code generic_secret}: the secret's bytes, inline (as Envoy, a file is not read here). Never
   * printed: {@link #toString} says only how long it is.
   */
  record GenericSecret(ByteString secret) implements TlsSecret {
    public static GenericSecret from(
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret proto, String path)
        throws ConfigException {
      DataSource source = proto.getSecret();
      ByteString bytes =
          switch (source.getSpecifierCase()) {
            case INLINE_BYTES -> source.getInlineBytes();
            case INLINE_STRING -> ByteString.copyFromUtf8(source.getInlineString());
            default ->
                throw new ConfigException(
                    path + ".secret", "must be inline_bytes or inline_string");
          };
      if (bytes.isEmpty()) {
        throw new ConfigException(path + ".secret", "must not be empty");
      }
      return new GenericSecret(bytes);
    }

    @Override
    public String toString() {
      return "GenericSecret[" + secret.size() + " bytes]";
    }
  }

  /** Parses a Secret; {@code path} names it in errors. */
  static TlsSecret from(Secret secret, String path) throws ConfigException {
    if (secret.getName().isEmpty()) {
      throw new ConfigException(path + ".name", "must not be empty");
    }
    return switch (secret.getTypeCase()) {
      case TLS_CERTIFICATE ->
          CertificateKeyPair.from(secret.getTlsCertificate(), path + ".tls_certificate");
      case VALIDATION_CONTEXT ->
          ValidationContext.from(secret.getValidationContext(), path + ".validation_context");
      case SESSION_TICKET_KEYS ->
          throw new ConfigException(path + ".session_ticket_keys", "is not supported");
      case GENERIC_SECRET ->
          GenericSecret.from(secret.getGenericSecret(), path + ".generic_secret");
      case TYPE_NOT_SET ->
          throw new ConfigException(
              path, "one of tls_certificate, validation_context, generic_secret is required");
    };
  }
}
