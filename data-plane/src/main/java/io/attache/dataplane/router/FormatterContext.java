package io.attache.dataplane.router;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The values Envoy's {@code %COMMAND%} header formatters read, supplied by the integrator for one
 * request (request path) or one response (response path). Implementations must be cheap to call:
 * they are read on the event loop while headers are mutated.
 */
public interface FormatterContext {
  /**
   * Nothing known: what a caller passes when there are no header mutations to format, so that no
   * context is built for the common route without any.
   */
  FormatterContext NONE =
      new Snapshot(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          "",
          EmptyHttpHeaders.INSTANCE,
          EmptyHttpHeaders.INSTANCE);

  /** The downstream peer ({@code %DOWNSTREAM_REMOTE_ADDRESS%}). */
  Optional<InetSocketAddress> downstreamRemoteAddress();

  /** The local address the request arrived on ({@code %DOWNSTREAM_LOCAL_ADDRESS%}). */
  Optional<InetSocketAddress> downstreamLocalAddress();

  /** The chosen upstream host; empty before one is chosen ({@code %UPSTREAM_REMOTE_ADDRESS%}). */
  Optional<InetSocketAddress> upstreamRemoteAddress();

  /**
   * The downstream protocol as Envoy prints it: {@code HTTP/1.0}, {@code HTTP/1.1}, {@code HTTP/2}.
   */
  String protocol();

  /** The request's headers ({@code %REQ(x)%}); on the request path the headers being mutated. */
  HttpHeaders requestHeaders();

  /** The response's headers ({@code %RESP(x)%}); empty on the request path. */
  HttpHeaders responseHeaders();

  /** A fixed set of values; convenient for the integrator and for tests. */
  record Snapshot(
      Optional<InetSocketAddress> downstreamRemoteAddress,
      Optional<InetSocketAddress> downstreamLocalAddress,
      Optional<InetSocketAddress> upstreamRemoteAddress,
      String protocol,
      HttpHeaders requestHeaders,
      HttpHeaders responseHeaders)
      implements FormatterContext {
    public Snapshot {
      Objects.requireNonNull(downstreamRemoteAddress);
      Objects.requireNonNull(downstreamLocalAddress);
      Objects.requireNonNull(upstreamRemoteAddress);
      Objects.requireNonNull(protocol);
      Objects.requireNonNull(requestHeaders);
      Objects.requireNonNull(responseHeaders);
    }

    /** A request-path context: no upstream yet, no response headers. */
    public static Snapshot forRequest(
        InetSocketAddress downstreamRemote,
        InetSocketAddress downstreamLocal,
        String protocol,
        HttpHeaders requestHeaders) {
      return new Snapshot(
          Optional.ofNullable(downstreamRemote),
          Optional.ofNullable(downstreamLocal),
          Optional.empty(),
          protocol,
          requestHeaders,
          EmptyHttpHeaders.INSTANCE);
    }
  }
}
