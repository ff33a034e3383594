package io.attache.dataplane.filter.matchdelegate;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.ConfiguredHttpFilter;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.matcher.UnifiedMatcher;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.match_delegate}: an {@code ExtensionWithMatcher} wraps any non-terminal
 * HTTP filter with a unified match tree, evaluated per stream as its data arrives (Envoy's {@code
 * MatchDelegateConfig}). Parses the wrapped filter through the connection manager's registry, so it
 * never knows the filter types itself.
 */
public final class ExtensionWithMatcherFilterType
    implements HttpFilterType<ExtensionWithMatcherConfig> {
  public static final String NAME = "envoy.filters.http.match_delegate";
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher";

  /** Parses the wrapped {@code extension_config} as an HTTP filter of the chain. */
  @FunctionalInterface
  public interface WrappedFilterParser {
    /**
     * The configured filter named {@code name}, refused (with {@code path}) when its type is not an
     * HTTP filter Attaché runs or is terminal.
     */
    ConfiguredHttpFilter<?> parse(String name, Any typedConfig, String path) throws ConfigException;
  }

  private final WrappedFilterParser wrapped;

  public ExtensionWithMatcherFilterType(WrappedFilterParser wrapped) {
    this.wrapped = wrapped;
  }

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return TYPE_URL;
  }

  @Override
  public ExtensionWithMatcherConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    ExtensionWithMatcher proto;
    try {
      proto = typedConfig.unpack(ExtensionWithMatcher.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an ExtensionWithMatcher: " + e.getMessage());
    }
    if (!proto.hasExtensionConfig()) {
      throw new ConfigException(path + ".extension_config", "is required");
    }
    io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig extension = proto.getExtensionConfig();
    // Envoy creates the wrapped filter under the HttpFilter's name: its per-route configs, logs
    // and stats are the outer filter's.
    ConfiguredHttpFilter<?> filter =
        wrapped.parse(
            filterName, extension.getTypedConfig(), path + ".extension_config.typed_config");
    List<FilterMatchAction.ExecuteFilter> executes = new ArrayList<>();
    UnifiedMatcher.ActionParser<FilterMatchAction> actions =
        (action, actionPath) -> action(action, actionPath, executes);
    UnifiedMatcher<FilterMatchAction> matcher;
    if (proto.hasXdsMatcher()) {
      matcher = UnifiedMatcher.compile(proto.getXdsMatcher(), actions, path + ".xds_matcher");
    } else if (proto.hasMatcher()) {
      matcher = UnifiedMatcher.compile(proto.getMatcher(), actions, path + ".matcher");
    } else {
      throw new ConfigException(path, "one of xds_matcher, matcher is required");
    }
    return new ExtensionWithMatcherConfig(filter, matcher, List.copyOf(executes));
  }

  private FilterMatchAction action(
      TypedExtensionConfig action, String path, List<FilterMatchAction.ExecuteFilter> executes)
      throws ConfigException {
    String typeUrl = action.getTypedConfig().getTypeUrl();
    switch (typeUrl) {
      case FilterMatchAction.SKIP_FILTER_TYPE_URL -> {
        return FilterMatchAction.Skip.INSTANCE;
      }
      case FilterMatchAction.EXECUTE_FILTER_TYPE_URL -> {
        ExecuteFilterAction execute;
        try {
          execute = action.getTypedConfig().unpack(ExecuteFilterAction.class);
        } catch (InvalidProtocolBufferException e) {
          throw new ConfigException(
              path + ".typed_config", "not an ExecuteFilterAction: " + e.getMessage());
        }
        String ep = path + ".typed_config";
        if (execute.hasDynamicConfig()) {
          throw new ConfigException(
              ep + ".dynamic_config", "filter config discovery (ECDS) is not supported");
        }
        if (execute.hasSamplePercent()) {
          throw new ConfigException(ep + ".sample_percent", "sampled execution is not supported");
        }
        if (!execute.hasTypedConfig()) {
          throw new ConfigException(ep + ".typed_config", "is required");
        }
        ConfiguredHttpFilter<?> filter =
            wrapped.parse(
                execute.getTypedConfig().getName(),
                execute.getTypedConfig().getTypedConfig(),
                ep + ".typed_config.typed_config");
        FilterMatchAction.ExecuteFilter executeFilter = new FilterMatchAction.ExecuteFilter(filter);
        executes.add(executeFilter);
        return executeFilter;
      }
      default ->
          throw new ConfigException(
              path + ".typed_config",
              "match action "
                  + typeUrl
                  + " is not supported for HTTP filters; supported: SkipFilter,"
                  + " ExecuteFilterAction");
    }
  }

  @Override
  public HttpFilterFactory factory(
      ExtensionWithMatcherConfig config, FilterFactoryContext context) {
    HttpFilterFactory inner = factoryOf(config.filter(), context);
    Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> executes = new IdentityHashMap<>();
    for (FilterMatchAction.ExecuteFilter execute : config.executeActions()) {
      executes.put(execute, factoryOf(execute.filter(), context));
    }
    Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> byAction = executes;
    return callbacks ->
        inner.createFilters(new MatchDelegatingCallbacks(callbacks, config.matcher(), byAction));
  }

  /** The wrapped filter runs with the outer filter's context (name, stats), as in Envoy. */
  private static <C> HttpFilterFactory factoryOf(
      ConfiguredHttpFilter<C> filter, FilterFactoryContext context) {
    return filter.type().factory(filter.config(), context);
  }
}
