package io.attache.dataplane.accesslog;

import com.google.protobuf.Struct;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an access-log line can show about one finished stream, filled once by the integrator
 * at stream end and never changed. Absent values are empty strings, {@code Optional.empty()} or
 * {@code 0}, which the formatter prints as Envoy does ({@code -}, or {@code 0} for a response code
 * that was never sent).
 */
public record AccessLogEntry(
    Instant startTime,
    Duration duration,
    Optional<Duration> requestDuration,
    Optional<Duration> responseDuration,
    String protocol,
    HeaderLookup requestHeaders,
    HeaderLookup responseHeaders,
    HeaderLookup responseTrailers,
    int responseCode,
    String responseCodeDetails,
    ResponseFlags responseFlags,
    long bytesReceived,
    long bytesSent,
    String upstreamCluster,
    Optional<InetSocketAddress> upstreamHost,
    Optional<InetSocketAddress> upstreamLocalAddress,
    String upstreamTransportFailureReason,
    int upstreamRequestAttemptCount,
    Optional<InetSocketAddress> downstreamRemoteAddress,
    Optional<InetSocketAddress> downstreamLocalAddress,
    String requestedServerName,
    String routeName,
    boolean healthCheck,
    boolean traced,
    Map<String, Struct> dynamicMetadata) {

  public static Builder builder() {
    return new Builder();
  }

  /** Starts with every value absent and a zero duration at the epoch. */
  public static final class Builder {
    private Instant startTime = Instant.EPOCH;
    private Duration duration = Duration.ZERO;
    private Optional<Duration> requestDuration = Optional.empty();
    private Optional<Duration> responseDuration = Optional.empty();
    private String protocol = "";
    private HeaderLookup requestHeaders = HeaderLookup.EMPTY;
    private HeaderLookup responseHeaders = HeaderLookup.EMPTY;
    private HeaderLookup responseTrailers = HeaderLookup.EMPTY;
    private int responseCode;
    private String responseCodeDetails = "";
    private ResponseFlags responseFlags = ResponseFlags.NONE;
    private long bytesReceived;
    private long bytesSent;
    private String upstreamCluster = "";
    private Optional<InetSocketAddress> upstreamHost = Optional.empty();
    private Optional<InetSocketAddress> upstreamLocalAddress = Optional.empty();
    private String upstreamTransportFailureReason = "";
    private int upstreamRequestAttemptCount;
    private Optional<InetSocketAddress> downstreamRemoteAddress = Optional.empty();
    private Optional<InetSocketAddress> downstreamLocalAddress = Optional.empty();
    private String requestedServerName = "";
    private String routeName = "";
    private boolean healthCheck;
    private boolean traced;
    private Map<String, Struct> dynamicMetadata = Map.of();

    private Builder() {}

    /** Wall-clock time the first request byte arrived. */
    public Builder startTime(Instant v) {
      startTime = v;
      return this;
    }

    /** Start to end of stream ({@code %DURATION%}). */
    public Builder duration(Duration v) {
      duration = v;
      return this;
    }

    /** Start to last request byte received ({@code %REQUEST_DURATION%}). */
    public Builder requestDuration(Duration v) {
      requestDuration = Optional.of(v);
      return this;
    }

    /** Start to first upstream response byte ({@code %RESPONSE_DURATION%}). */
    public Builder responseDuration(Duration v) {
      responseDuration = Optional.of(v);
      return this;
    }

    /** {@code HTTP/1.0}, {@code HTTP/1.1}, {@code HTTP/2} or {@code HTTP/3}. */
    public Builder protocol(String v) {
      protocol = v;
      return this;
    }

    public Builder requestHeaders(HeaderLookup v) {
      requestHeaders = v;
      return this;
    }

    public Builder responseHeaders(HeaderLookup v) {
      responseHeaders = v;
      return this;
    }

    public Builder responseTrailers(HeaderLookup v) {
      responseTrailers = v;
      return this;
    }

    public Builder responseCode(int v) {
      responseCode = v;
      return this;
    }

    public Builder responseCodeDetails(String v) {
      responseCodeDetails = v;
      return this;
    }

    public Builder responseFlags(ResponseFlags v) {
      responseFlags = v;
      return this;
    }

    public Builder bytesReceived(long v) {
      bytesReceived = v;
      return this;
    }

    public Builder bytesSent(long v) {
      bytesSent = v;
      return this;
    }

    public Builder upstreamCluster(String v) {
      upstreamCluster = v;
      return this;
    }

    public Builder upstreamHost(InetSocketAddress v) {
      upstreamHost = Optional.of(v);
      return this;
    }

    public Builder upstreamLocalAddress(InetSocketAddress v) {
      upstreamLocalAddress = Optional.of(v);
      return this;
    }

    public Builder upstreamTransportFailureReason(String v) {
      upstreamTransportFailureReason = v;
      return this;
    }

    public Builder upstreamRequestAttemptCount(int v) {
      upstreamRequestAttemptCount = v;
      return this;
    }

    public Builder downstreamRemoteAddress(InetSocketAddress v) {
      downstreamRemoteAddress = Optional.of(v);
      return this;
    }

    public Builder downstreamLocalAddress(InetSocketAddress v) {
      downstreamLocalAddress = Optional.of(v);
      return this;
    }

    public Builder requestedServerName(String v) {
      requestedServerName = v;
      return this;
    }

    public Builder routeName(String v) {
      routeName = v;
      return this;
    }

    /** Set when the health-check filter answered or passed this request as a health check. */
    public Builder healthCheck(boolean v) {
      healthCheck = v;
      return this;
    }

    /** Set when the request was sampled for tracing. */
    public Builder traced(boolean v) {
      traced = v;
      return this;
    }

    /**
     * The stream's dynamic metadata at its end, filter namespace to fields ({@code
     * %DYNAMIC_METADATA(NS:KEY)%}); copied, so the entry does not change with the stream.
     */
    public Builder dynamicMetadata(Map<String, Struct> v) {
      dynamicMetadata = Map.copyOf(v);
      return this;
    }

    public AccessLogEntry build() {
      return new AccessLogEntry(
          startTime,
          duration,
          requestDuration,
          responseDuration,
          protocol,
          requestHeaders,
          responseHeaders,
          responseTrailers,
          responseCode,
          responseCodeDetails,
          responseFlags,
          bytesReceived,
          bytesSent,
          upstreamCluster,
          upstreamHost,
          upstreamLocalAddress,
          upstreamTransportFailureReason,
          upstreamRequestAttemptCount,
          downstreamRemoteAddress,
          downstreamLocalAddress,
          requestedServerName,
          routeName,
          healthCheck,
          traced,
          dynamicMetadata);
    }
  }
}
