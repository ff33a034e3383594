package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An access log's {@code filter}, parsed once from Envoy's {@code AccessLogFilter}. Supported:
 * status_code, duration, not_health_check, traceable, response_flag, and, or. The rest (runtime,
 * header, grpc_status, metadata, log_type, extension) are rejected naming the field. Evaluated on
 * the event loop: pure.
 */
public sealed interface LogFilter {
  /** Whether an entry is written. */
  enum Decision {
    LOG,
    SKIP
  }

  /** The filter of an access log without one. */
  LogFilter ALWAYS = new Always();

  Decision evaluate(AccessLogEntry entry);

  static Decision of(boolean log) {
    return log ? Decision.LOG : Decision.SKIP;
  }

  static LogFilter parse(AccessLogFilter proto, String path) throws ConfigException {
    return switch (proto.getFilterSpecifierCase()) {
      case STATUS_CODE_FILTER ->
          new StatusCode(
              Comparison.parse(
                  proto.getStatusCodeFilter().getComparison(),
                  path + ".status_code_filter.comparison"));
      case DURATION_FILTER ->
          new TotalDuration(
              Comparison.parse(
                  proto.getDurationFilter().getComparison(), path + ".duration_filter.comparison"));
      case NOT_HEALTH_CHECK_FILTER -> new NotHealthCheck();
      case TRACEABLE_FILTER -> new Traceable();
      case RESPONSE_FLAG_FILTER -> {
        Set<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
        List<String> codes = proto.getResponseFlagFilter().getFlagsList();
        for (int i = 0; i < codes.size(); i++) {
          String code = codes.get(i);
          int index = i;
          flags.add(
              ResponseFlag.fromShortCode(code)
                  .orElseThrow(
                      () ->
                          new ConfigException(
                              path + ".response_flag_filter.flags[" + codes.indexOf(code) + "]",
                              "unknown response flag '" + code + "'")));
        }
        yield new ResponseFlagsAny(flags);
      }
      case AND_FILTER ->
          new And(children(proto.getAndFilter().getFiltersList(), path + ".and_filter"));
      case OR_FILTER -> new Or(children(proto.getOrFilter().getFiltersList(), path + ".or_filter"));
      case FILTERSPECIFIER_NOT_SET -> throw new ConfigException(path, "a filter must be set");
      default ->
          throw new ConfigException(
              path + "." + fieldName(proto), "this access log filter is not supported");
    };
  }

  private static String fieldName(AccessLogFilter proto) {
    return proto
        .getDescriptorForType()
        .findFieldByNumber(proto.getFilterSpecifierCase().getNumber())
        .getName();
  }

  private static List<LogFilter> children(List<AccessLogFilter> protos, String path)
      throws ConfigException {
    if (protos.size() < 2) {
      throw new ConfigException(path + ".filters", "needs at least 2 filters");
    }
    List<LogFilter> out = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      out.add(parse(protos.get(i), path + ".filters[" + i + "]"));
    }
    return List.copyOf(out);
  }

  /** {@code ComparisonFilter}: EQ, GE or LE against the runtime value's {@code default_value}. */
  record Comparison(ComparisonFilter.Op op, long value) {
    static Comparison parse(ComparisonFilter proto, String path) throws ConfigException {
      if (!proto.hasValue()) {
        throw new ConfigException(path + ".value", "is required");
      }
      if (proto.getOp() == ComparisonFilter.Op.UNRECOGNIZED) {
        throw new ConfigException(path + ".op", "unknown comparison");
      }
      // Only route runtime_fraction reads layered_runtime: runtime_key is ignored, the default
      // applies.
      return new Comparison(
          proto.getOp(), Integer.toUnsignedLong(proto.getValue().getDefaultValue()));
    }

    boolean matches(long actual) {
      return switch (op) {
        case GE -> actual >= value;
        case LE -> actual <= value;
        default -> actual == value;
      };
    }
  }

  /** Logs every entry. */
  record Always() implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      return Decision.LOG;
    }
  }

  /** {@code status_code_filter}; a stream without a response compares as code 0, as in Envoy. */
  record StatusCode(Comparison comparison) implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      return LogFilter.of(comparison.matches(entry.responseCode()));
    }
  }

  /** {@code duration_filter}: total duration in milliseconds. */
  record TotalDuration(Comparison comparison) implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      return LogFilter.of(comparison.matches(entry.duration().toMillis()));
    }
  }

  /** {@code not_health_check_filter}. */
  record NotHealthCheck() implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      return LogFilter.of(!entry.healthCheck());
    }
  }

  /** {@code traceable_filter}. */
  record Traceable() implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      return LogFilter.of(entry.traced());
    }
  }

  /** {@code response_flag_filter}: any of the listed flags; with none listed, any flag at all. */
  record ResponseFlagsAny(Set<ResponseFlag> flags) implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      if (flags.isEmpty()) {
        return LogFilter.of(!entry.responseFlags().isEmpty());
      }
      for (ResponseFlag flag : flags) {
        if (entry.responseFlags().contains(flag)) {
          return Decision.LOG;
        }
      }
      return Decision.SKIP;
    }
  }

  /** {@code and_filter}. */
  record And(List<LogFilter> filters) implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      for (LogFilter filter : filters) {
        if (filter.evaluate(entry) == Decision.SKIP) {
          return Decision.SKIP;
        }
      }
      return Decision.LOG;
    }
  }

  /** {@code or_filter}. */
  record Or(List<LogFilter> filters) implements LogFilter {
    @Override
    public Decision evaluate(AccessLogEntry entry) {
      for (LogFilter filter : filters) {
        if (filter.evaluate(entry) == Decision.LOG) {
          return Decision.LOG;
        }
      }
      return Decision.SKIP;
    }
  }
}
