package io.attache.dataplane.tls;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code common_tls_context}, parsed once: where the own certificate and the peer validation
 * context come from, ALPN, and {@code tls_params}. Immutable and comparable by value.
 *
 * @param certificate empty when the context presents no certificate
 * @param validation empty when peers are not verified
 * @param extraSanMatchers the SAN matchers of a {@code combined_validation_context}'s default
 *     context, applied on top of the dynamic one's
 */
public record CommonTlsConfig(
    Optional<SecretSource<CertificateKeyPair>> certificate,
    Optional<SecretSource<ValidationContext>> validation,
    SanMatcher extraSanMatchers,
    List<String> alpnProtocols,
    TlsParams params) {

  static final Duration DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);

  public CommonTlsConfig {
    alpnProtocols = List.copyOf(alpnProtocols);
  }

  public static CommonTlsConfig from(CommonTlsContext proto, String path, TlsParams.Side side)
      throws ConfigException {
    for (String unsupported :
        List.of(
            "tls_certificate_provider_instance",
            "custom_tls_certificate_selector",
            "tls_certificate_certificate_provider",
            "tls_certificate_certificate_provider_instance",
            "validation_context_certificate_provider",
            "validation_context_certificate_provider_instance",
            "custom_handshaker")) {
      var field = CommonTlsContext.getDescriptor().findFieldByName(unsupported);
      if (field != null && proto.hasField(field)) {
        throw new ConfigException(path + "." + unsupported, "is not supported");
      }
    }
    int certificates =
        proto.getTlsCertificatesCount() + proto.getTlsCertificateSdsSecretConfigsCount();
    if (certificates > 1) {
      throw new ConfigException(
          path + ".tls_certificates",
          "only one certificate per context is supported (found " + certificates + ")");
    }
    Optional<SecretSource<CertificateKeyPair>> certificate = Optional.empty();
    if (proto.getTlsCertificatesCount() == 1) {
      certificate =
          Optional.of(
              new SecretSource.Inline<>(
                  CertificateKeyPair.from(
                      proto.getTlsCertificates(0), path + ".tls_certificates[0]")));
    } else if (proto.getTlsCertificateSdsSecretConfigsCount() == 1) {
      certificate =
          Optional.of(
              named(
                  proto.getTlsCertificateSdsSecretConfigs(0),
                  path + ".tls_certificate_sds_secret_configs[0]",
                  CertificateKeyPair.class));
    }
    Optional<SecretSource<ValidationContext>> validation = Optional.empty();
    SanMatcher extra = SanMatcher.NONE;
    switch (proto.getValidationContextTypeCase()) {
      case VALIDATION_CONTEXT ->
          validation =
              Optional.of(
                  new SecretSource.Inline<>(
                      ValidationContext.from(
                          proto.getValidationContext(), path + ".validation_context")));
      case VALIDATION_CONTEXT_SDS_SECRET_CONFIG ->
          validation =
              Optional.of(
                  named(
                      proto.getValidationContextSdsSecretConfig(),
                      path + ".validation_context_sds_secret_config",
                      ValidationContext.class));
      case COMBINED_VALIDATION_CONTEXT -> {
        var combined = proto.getCombinedValidationContext();
        String cp = path + ".combined_validation_context";
        if (!combined.hasValidationContextSdsSecretConfig()) {
          throw new ConfigException(cp + ".validation_context_sds_secret_config", "is required");
        }
        CertificateValidationContext defaults = combined.getDefaultValidationContext();
        var onlyMatchers =
            CertificateValidationContext.newBuilder()
                .addAllMatchTypedSubjectAltNames(defaults.getMatchTypedSubjectAltNamesList())
                .build();
        if (!defaults.equals(onlyMatchers)) {
          throw new ConfigException(
              cp + ".default_validation_context",
              "only match_typed_subject_alt_names is supported here; the trust bundle comes"
                  + " from the SDS secret");
        }
        extra =
            SanMatcher.from(
                defaults.getMatchTypedSubjectAltNamesList(),
                cp + ".default_validation_context.match_typed_subject_alt_names");
        validation =
            Optional.of(
                named(
                    combined.getValidationContextSdsSecretConfig(),
                    cp + ".validation_context_sds_secret_config",
                    ValidationContext.class));
      }
      case VALIDATIONCONTEXTTYPE_NOT_SET -> {}
      default ->
          throw new ConfigException(
              path + "." + proto.getValidationContextTypeCase().name().toLowerCase(),
              "is not supported");
    }
    // Envoy joins the entries with commas and splits the result, so one entry may list several
    // ("h2,http/1.1", as Envoy's edge best-practice config writes it).
    List<String> alpn = new ArrayList<>();
    for (int i = 0; i < proto.getAlpnProtocolsCount(); i++) {
      for (String p : proto.getAlpnProtocols(i).split(",", -1)) {
        if (!p.equals("h2") && !p.equals("http/1.1")) {
          throw new ConfigException(
              path + ".alpn_protocols[" + i + "]",
              "only h2 and http/1.1 are supported, not '" + p + "'");
        }
        alpn.add(p);
      }
    }
    TlsParams params =
        proto.hasTlsParams()
            ? TlsParams.from(proto.getTlsParams(), path + ".tls_params", side)
            : TlsParams.defaults(side);
    return new CommonTlsConfig(certificate, validation, extra, alpn, params);
  }

  /** Every SDS secret the context needs, for warming. */
  public List<SecretSource.Named<?>> sdsSecrets() {
    List<SecretSource.Named<?>> out = new ArrayList<>();
    certificate
        .filter(s -> s instanceof SecretSource.Named<?> n && n.sds())
        .ifPresent(s -> out.add((SecretSource.Named<?>) s));
    validation
        .filter(s -> s instanceof SecretSource.Named<?> n && n.sds())
        .ifPresent(s -> out.add((SecretSource.Named<?>) s));
    return out;
  }

  /** Every bootstrap secret the context names, to check that each exists. */
  public List<SecretSource.Named<?>> staticSecrets() {
    List<SecretSource.Named<?>> out = new ArrayList<>();
    certificate
        .filter(s -> s instanceof SecretSource.Named<?> n && !n.sds())
        .ifPresent(s -> out.add((SecretSource.Named<?>) s));
    validation
        .filter(s -> s instanceof SecretSource.Named<?> n && !n.sds())
        .ifPresent(s -> out.add((SecretSource.Named<?>) s));
    return out;
  }

  private static <T extends TlsSecret> SecretSource.Named<T> named(
      SdsSecretConfig sds, String path, Class<T> kind) throws ConfigException {
    if (sds.getName().isEmpty()) {
      throw new ConfigException(path + ".name", "must not be empty");
    }
    if (!sds.hasSdsConfig()) {
      return new SecretSource.Named<>(sds.getName(), false, Duration.ZERO, kind);
    }
    return new SecretSource.Named<>(
        sds.getName(), true, adsTimeout(sds.getSdsConfig(), path + ".sds_config"), kind);
  }

  /** SDS only over the ADS stream; returns the {@code initial_fetch_timeout} (default 15 s). */
  private static Duration adsTimeout(ConfigSource source, String path) throws ConfigException {
    if (!source.hasAds()) {
      throw new ConfigException(path + ".ads", "is required (SDS is only supported over ADS)");
    }
    for (var field : source.getAllFields().keySet()) {
      String name = field.getName();
      if (!name.equals("ads")
          && !name.equals("initial_fetch_timeout")
          && !name.equals("resource_api_version")) {
        throw new ConfigException(path + "." + name, "only ads config sources are supported");
      }
    }
    if (source.getResourceApiVersion() == ApiVersion.V2) {
      throw new ConfigException(path + ".resource_api_version", "V2 is not supported");
    }
    if (!source.hasInitialFetchTimeout()) {
      return DEFAULT_INITIAL_FETCH_TIMEOUT;
    }
    var d = source.getInitialFetchTimeout();
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(path + ".initial_fetch_timeout", "must not be negative");
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
