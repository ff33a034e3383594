package io.attache.dataplane.ratelimit;

import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * One {@code config.route.v3.RateLimit.Action}: produces one entry of a rate limit descriptor from
 * a request, as Envoy's {@code router_ratelimit.cc} does, or none — and then the whole descriptor
 * is not produced. Immutable; never reads anything but the request view it is given.
 */
public sealed interface DescriptorAction {
  /** Returned by an action with {@code skip_if_absent} whose value is absent: no entry, go on. */
  DescriptorEntry SKIP = new DescriptorEntry("", "");

  /** The entry; {@link #SKIP}; or null when the descriptor must not be produced. */
  DescriptorEntry entry(RateLimitedRequest request);

  /** {@code generic_key}: a constant entry ({@code descriptor_key} defaults to generic_key). */
  record GenericKey(String key, String value) implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      return new DescriptorEntry(key, value);
    }
  }

  /** {@code request_headers}: the header's value under {@code descriptor_key}. */
  record RequestHeaders(String headerName, String key, boolean skipIfAbsent)
      implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      String value =
          headerName.startsWith(":") && !headerName.equals(":authority")
              ? HeaderSource.ofRequest(request.request(), request.scheme()).joined(headerName)
              // Envoy takes the first value of a repeated header; Host is :authority.
              : request
                  .request()
                  .headers()
                  .get(headerName.equals(":authority") ? "host" : headerName);
      if (value == null) {
        return skipIfAbsent ? SKIP : null;
      }
      return new DescriptorEntry(key, value);
    }
  }

  /** {@code query_parameters}: the first value of the query parameter. */
  record QueryParameters(String parameterName, String key, boolean skipIfAbsent)
      implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      List<String> values =
          new QueryStringDecoder(request.request().uri()).parameters().get(parameterName);
      if (values == null || values.isEmpty()) {
        return skipIfAbsent ? SKIP : null;
      }
      return new DescriptorEntry(key, values.get(0));
    }
  }

  /** {@code remote_address}: the trusted downstream address. */
  record RemoteAddress() implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      InetAddress address = request.remoteAddress();
      return address == null
          ? null
          : new DescriptorEntry("remote_address", address.getHostAddress());
    }
  }

  /** {@code masked_remote_address}: the trusted downstream address's network, as a CIDR. */
  record MaskedRemoteAddress(int v4PrefixLength, int v6PrefixLength) implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      InetAddress address = request.remoteAddress();
      if (address == null) {
        return null;
      }
      int prefix = address instanceof Inet4Address ? v4PrefixLength : v6PrefixLength;
      byte[] bytes = address.getAddress();
      for (int bit = prefix; bit < bytes.length * 8; bit++) {
        bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
      }
      try {
        return new DescriptorEntry(
            "masked_cidr_ip", InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix);
      } catch (java.net.UnknownHostException e) {
        throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
      }
    }
  }

  /** {@code source_cluster}: the proxy's own service cluster ({@code node.cluster}). */
  record SourceCluster() implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      return new DescriptorEntry("source_cluster", request.sourceCluster());
    }
  }

  /** {@code destination_cluster}: the cluster the route sends the request to. */
  record DestinationCluster() implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      return request.destinationCluster().isEmpty()
          ? null
          : new DescriptorEntry("destination_cluster", request.destinationCluster());
    }
  }

  /** {@code header_value_match}: a constant entry when the headers match (or, not, as asked). */
  record HeaderValueMatch(String key, String value, boolean expectMatch, List<HeaderMatch> headers)
      implements DescriptorAction {
    @Override
    public DescriptorEntry entry(RateLimitedRequest request) {
      boolean matches =
          HeaderMatch.allMatch(
              headers, HeaderSource.ofRequest(request.request(), request.scheme()));
      return matches == expectMatch ? new DescriptorEntry(key, value) : null;
    }
  }
}
