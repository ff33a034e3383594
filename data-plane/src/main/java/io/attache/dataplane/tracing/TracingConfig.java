package io.attache.dataplane.tracing;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A connection manager's {@code tracing} block, parsed once: sampling, {@code max_path_tag_length},
 * {@code custom_tags}, {@code spawn_upstream_span} and the provider: OpenTelemetry ({@code
 * exporter}), Zipkin ({@code zipkin}), SkyWalking ({@code skyWalking}) or Datadog ({@code
 * datadog}), only one. No provider means no tracing at all (Envoy's null tracer). Immutable.
 *
 * @param spawnUpstreamSpan {@code spawn_upstream_span}, the router's {@code start_child_span}, or
 *     Zipkin's {@code split_spans_for_request}: each upstream attempt gets a span of its own
 * @param independentHop {@code spawn_upstream_span} or Zipkin's {@code split_spans_for_request}
 *     alone (Envoy's {@code Tracing::Config::spawnUpstreamSpan()}): the proxy is a hop of its own
 *     in the trace, a SERVER span downstream and CLIENT spans upstream. The router's {@code
 *     start_child_span} spawns child spans without making the proxy a hop: Envoy's OpenTelemetry
 *     and Zipkin tracers then pick span kinds by traffic direction
 */
public record TracingConfig(
    OperationName operationName,
    SamplingPolicy sampling,
    int maxPathTagLength,
    List<CustomTag> customTags,
    boolean spawnUpstreamSpan,
    boolean independentHop,
    Optional<OtlpExporterConfig> exporter,
    Optional<ZipkinTracerConfig> zipkin,
    Optional<SkyWalkingTracerConfig> skyWalking,
    Optional<DatadogTracerConfig> datadog) {
  public static final int DEFAULT_MAX_PATH_TAG_LENGTH = 256;

  public static TracingConfig from(
      HttpConnectionManager.Tracing proto, String fieldPath, OperationName operationName)
      throws ConfigException {
    return from(proto, fieldPath, operationName, System::getenv);
  }

  /**
   * As {@link #from(HttpConnectionManager.Tracing, String, OperationName)}, with the environment
   * given.
   */
  public static TracingConfig from(
      HttpConnectionManager.Tracing proto,
      String fieldPath,
      OperationName operationName,
      UnaryOperator<String> environment)
      throws ConfigException {
    SamplingPolicy sampling =
        new SamplingPolicy(
            SamplingPolicy.tenThousandths(
                proto.hasClientSampling(),
                proto.getClientSampling(),
                fieldPath + ".client_sampling"),
            SamplingPolicy.tenThousandths(
                proto.hasRandomSampling(),
                proto.getRandomSampling(),
                fieldPath + ".random_sampling"),
            SamplingPolicy.tenThousandths(
                proto.hasOverallSampling(),
                proto.getOverallSampling(),
                fieldPath + ".overall_sampling"));
    int maxPath =
        proto.hasMaxPathTagLength()
            ? proto.getMaxPathTagLength().getValue()
            : DEFAULT_MAX_PATH_TAG_LENGTH;
    if (maxPath < 0) {
      throw new ConfigException(fieldPath + ".max_path_tag_length", "must not be negative");
    }
    List<CustomTag> tags = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < proto.getCustomTagsCount(); i++) {
      String tagPath = fieldPath + ".custom_tags[" + i + "]";
      CustomTag tag = CustomTag.from(proto.getCustomTags(i), tagPath, environment);
      if (!names.add(tag.tag())) {
        throw new ConfigException(tagPath + ".tag", "duplicate custom tag " + tag.tag());
      }
      tags.add(tag);
    }
    Optional<OtlpExporterConfig> exporter = Optional.empty();
    Optional<ZipkinTracerConfig> zipkin = Optional.empty();
    Optional<SkyWalkingTracerConfig> skyWalking = Optional.empty();
    Optional<DatadogTracerConfig> datadog = Optional.empty();
    if (proto.hasProvider()) {
      String providerPath = fieldPath + ".provider";
      String name = proto.getProvider().getName();
      if (!proto.getProvider().hasTypedConfig()) {
        throw new ConfigException(
            providerPath + ".typed_config",
            "the "
                + name
                + " provider needs its typed_config (an OpenTelemetryConfig, a ZipkinConfig, a"
                + " SkyWalkingConfig or a DatadogConfig)");
      }
      String typeUrl = proto.getProvider().getTypedConfig().getTypeUrl();
      if (typeUrl.equals(OtlpExporterConfig.TYPE_URL)) {
        exporter =
            Optional.of(
                OtlpExporterConfig.from(
                    proto.getProvider().getTypedConfig(), providerPath + ".typed_config"));
      } else if (typeUrl.equals(ZipkinTracerConfig.TYPE_URL)) {
        zipkin =
            Optional.of(
                ZipkinTracerConfig.from(
                    proto.getProvider().getTypedConfig(), providerPath + ".typed_config"));
      } else if (typeUrl.equals(SkyWalkingTracerConfig.TYPE_URL)) {
        skyWalking =
            Optional.of(
                SkyWalkingTracerConfig.from(
                    proto.getProvider().getTypedConfig(), providerPath + ".typed_config"));
      } else if (typeUrl.equals(DatadogTracerConfig.TYPE_URL)) {
        datadog =
            Optional.of(
                DatadogTracerConfig.from(
                    proto.getProvider().getTypedConfig(), providerPath + ".typed_config"));
      } else {
        throw new ConfigException(
            providerPath,
            "tracing provider "
                + name
                + " is not supported; only "
                + OtlpExporterConfig.PROVIDER_NAME
                + ", "
                + ZipkinTracerConfig.PROVIDER_NAME
                + ", "
                + SkyWalkingTracerConfig.PROVIDER_NAME
                + " and "
                + DatadogTracerConfig.PROVIDER_NAME
                + " are");
      }
    }
    boolean independentHop =
        (proto.hasSpawnUpstreamSpan() && proto.getSpawnUpstreamSpan().getValue())
            || zipkin.map(ZipkinTracerConfig::splitSpansForRequest).orElse(false);
    return new TracingConfig(
        operationName,
        sampling,
        maxPath,
        List.copyOf(tags),
        independentHop,
        independentHop,
        exporter,
        zipkin,
        skyWalking,
        datadog);
  }

  /**
   * This config with the router's {@code start_child_span}: Envoy's router spawns a child span per
   * upstream request when either it or {@code spawn_upstream_span} is set.
   */
  public TracingConfig withStartChildSpan(boolean startChildSpan) {
    if (!startChildSpan || spawnUpstreamSpan) {
      return this;
    }
    return new TracingConfig(
        operationName,
        sampling,
        maxPathTagLength,
        customTags,
        true,
        independentHop,
        exporter,
        zipkin,
        skyWalking,
        datadog);
  }

  /** Whether a provider is configured (else the connection manager traces nothing). */
  public boolean hasProvider() {
    return exporter.isPresent()
        || zipkin.isPresent()
        || skyWalking.isPresent()
        || datadog.isPresent();
  }

  /**
   * The downstream span's kind, as Envoy's OpenTelemetry and Zipkin drivers pick it: SERVER when
   * the proxy is its own hop, else by traffic direction (the router's {@code start_child_span}
   * alone does not count).
   */
  SpanKind downstreamSpanKind() {
    if (independentHop) {
      return SpanKind.SERVER;
    }
    return operationName == OperationName.EGRESS ? SpanKind.CLIENT : SpanKind.SERVER;
  }
}
