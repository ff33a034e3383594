package io.attache.dataplane.filter.rbac;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.CidrMatch;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.MetadataMatch;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.v3.Int32Range;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One compiled RBAC {@code Permission} or {@code Principal}: a pure test on a request. Compiled
 * once from the proto; anything Attaché cannot evaluate faithfully is refused here, naming the
 * field, because an RBAC rule silently skipped could let a request through. Matching never blocks
 * and never allocates beyond the comparison.
 */
interface RbacMatcher {
  boolean matches(RbacRequest request);

  RbacMatcher ANY =
      new RbacMatcher() {
        @Override
        public boolean matches(RbacRequest request) {
          return true;
        }

        @Override
        public String toString() {
          return "any";
        }
      };

  static RbacMatcher permission(Permission proto, String path) throws ConfigException {
    switch (proto.getRuleCase()) {
      case ANY:
        requireTrue(proto.getAny(), path + ".any");
        return ANY;
      case AND_RULES:
        return and(compileAll(proto.getAndRules().getRulesList(), path + ".and_rules.rules", true));
      case OR_RULES:
        return or(compileAll(proto.getOrRules().getRulesList(), path + ".or_rules.rules", true));
      case NOT_RULE:
        return not(permission(proto.getNotRule(), path + ".not_rule"));
      case HEADER:
        return header(HeaderMatch.compile(proto.getHeader(), path + ".header"));
      case URL_PATH:
        return urlPath(proto.getUrlPath(), path + ".url_path");
      case DESTINATION_IP:
        CidrMatch local = CidrMatch.compile(proto.getDestinationIp(), path + ".destination_ip");
        return request -> local.contains(request.localAddress().getAddress());
      case DESTINATION_PORT:
        int port = proto.getDestinationPort();
        if (Integer.compareUnsigned(port, 65535) > 0) {
          throw new ConfigException(path + ".destination_port", "must be at most 65535");
        }
        return request -> request.localAddress().getPort() == port;
      case DESTINATION_PORT_RANGE:
        return portRange(proto.getDestinationPortRange(), path + ".destination_port_range");
      case METADATA:
        return metadata(MetadataMatch.compile(proto.getMetadata(), path + ".metadata"));
      case SOURCED_METADATA:
        return sourcedMetadata(proto.getSourcedMetadata(), path + ".sourced_metadata");
      case REQUESTED_SERVER_NAME:
        throw unsupported(
            path + ".requested_server_name",
            "the SNI of a downstream TLS connection is not available to RBAC yet");
      case MATCHER:
        throw unsupported(path + ".matcher", "permission matcher extensions are not supported");
      case URI_TEMPLATE:
        throw unsupported(path + ".uri_template", "URI template matchers are not supported");
      default:
        throw new ConfigException(path, "one permission rule is required");
    }
  }

  static RbacMatcher principal(Principal proto, String path) throws ConfigException {
    switch (proto.getIdentifierCase()) {
      case ANY:
        requireTrue(proto.getAny(), path + ".any");
        return ANY;
      case AND_IDS:
        return and(compileAll(proto.getAndIds().getIdsList(), path + ".and_ids.ids", false));
      case OR_IDS:
        return or(compileAll(proto.getOrIds().getIdsList(), path + ".or_ids.ids", false));
      case NOT_ID:
        return not(principal(proto.getNotId(), path + ".not_id"));
      case AUTHENTICATED:
        return authenticated(proto.getAuthenticated(), path + ".authenticated");
      case DIRECT_REMOTE_IP:
        return ip(
            CidrMatch.compile(proto.getDirectRemoteIp(), path + ".direct_remote_ip"),
            RbacRequest::directRemoteIp);
      case SOURCE_IP:
        // Deprecated; Envoy matches it against the connection's peer, which without PROXY
        // protocol or original-source listener filters (not supported here) is the socket peer.
        return ip(
            CidrMatch.compile(proto.getSourceIp(), path + ".source_ip"),
            RbacRequest::directRemoteIp);
      case REMOTE_IP:
        return ip(
            CidrMatch.compile(proto.getRemoteIp(), path + ".remote_ip"), RbacRequest::remoteIp);
      case HEADER:
        return header(HeaderMatch.compile(proto.getHeader(), path + ".header"));
      case URL_PATH:
        return urlPath(proto.getUrlPath(), path + ".url_path");
      case METADATA:
        return metadata(MetadataMatch.compile(proto.getMetadata(), path + ".metadata"));
      case SOURCED_METADATA:
        return sourcedMetadata(proto.getSourcedMetadata(), path + ".sourced_metadata");
      case FILTER_STATE:
        throw unsupported(path + ".filter_state", "filter state is not produced by Attaché");
      case CUSTOM:
        throw unsupported(path + ".custom", "custom principal extensions are not supported");
      default:
        throw new ConfigException(path, "one principal identifier is required");
    }
  }

  private static List<RbacMatcher> compileAll(List<?> protos, String path, boolean permissions)
      throws ConfigException {
    if (protos.isEmpty()) {
      throw new ConfigException(path, "must have at least one entry");
    }
    List<RbacMatcher> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      String p = path + "[" + i + "]";
      out.add(
          permissions
              ? permission((Permission) protos.get(i), p)
              : principal((Principal) protos.get(i), p));
    }
    return List.copyOf(out);
  }

  static List<RbacMatcher> permissions(List<Permission> protos, String path)
      throws ConfigException {
    return compileAll(protos, path, true);
  }

  static List<RbacMatcher> principals(List<Principal> protos, String path) throws ConfigException {
    return compileAll(protos, path, false);
  }

  private static void requireTrue(boolean any, String path) throws ConfigException {
    if (!any) {
      throw new ConfigException(path, "must be true when set");
    }
  }

  private static ConfigException unsupported(String path, String why) {
    return new ConfigException(path, "not supported by Attaché's RBAC filter: " + why);
  }

  private static RbacMatcher and(List<RbacMatcher> all) {
    return request -> {
      for (int i = 0; i < all.size(); i++) {
        if (!all.get(i).matches(request)) {
          return false;
        }
      }
      return true;
    };
  }

  private static RbacMatcher or(List<RbacMatcher> any) {
    return request -> anyMatches(any, request);
  }

  static boolean anyMatches(List<RbacMatcher> matchers, RbacRequest request) {
    for (int i = 0; i < matchers.size(); i++) {
      if (matchers.get(i).matches(request)) {
        return true;
      }
    }
    return false;
  }

  private static RbacMatcher not(RbacMatcher inner) {
    return request -> !inner.matches(request);
  }

  private static RbacMatcher ip(CidrMatch range, Function<RbacRequest, InetAddress> address) {
    return request -> range.contains(address.apply(request));
  }

  /** A header matcher over the request's headers, pseudo-headers included. */
  private static RbacMatcher header(HeaderMatch match) {
    return new RbacMatcher() {
      @Override
      public boolean matches(RbacRequest request) {
        return match.matches(request);
      }

      @Override
      public String toString() {
        return match.toString();
      }
    };
  }

  /** A {@code MetadataMatcher} on the stream's dynamic metadata, as Envoy's RBAC matches it. */
  private static RbacMatcher metadata(MetadataMatch match) {
    return new RbacMatcher() {
      @Override
      public boolean matches(RbacRequest request) {
        return match.matches(request.dynamicMetadata());
      }

      @Override
      public String toString() {
        return match.toString();
      }
    };
  }

  private static RbacMatcher sourcedMetadata(SourcedMetadata proto, String path)
      throws ConfigException {
    if (proto.getMetadataSource() != io.envoyproxy.envoy.config.rbac.v3.MetadataSource.DYNAMIC) {
      throw unsupported(
          path + ".metadata_source", "only DYNAMIC is matched; route metadata is not read");
    }
    if (!proto.hasMetadataMatcher()) {
      throw new ConfigException(path + ".metadata_matcher", "is required");
    }
    return metadata(MetadataMatch.compile(proto.getMetadataMatcher(), path + ".metadata_matcher"));
  }

  private static RbacMatcher urlPath(PathMatcher proto, String path) throws ConfigException {
    if (!proto.hasPath()) {
      throw new ConfigException(path + ".path", "is required");
    }
    StringMatch match = StringMatch.compile(proto.getPath(), path + ".path");
    return request -> match.matches(request.pathWithoutQuery());
  }

  private static RbacMatcher portRange(Int32Range range, String path) throws ConfigException {
    int start = range.getStart();
    int end = range.getEnd();
    if (start < 0 || start > 65536) {
      throw new ConfigException(path + ".start", "must be in [0, 65536]");
    }
    if (end < 0 || end > 65536) {
      throw new ConfigException(path + ".end", "must be in [0, 65536]");
    }
    if (start >= end) {
      throw new ConfigException(path, "start must be less than end");
    }
    return request -> {
      int port = request.localAddress().getPort();
      return port >= start && port < end;
    };
  }

  /**
   * {@code authenticated}: the connection presented a verified client certificate and, when {@code
   * principal_name} is set, one of its URI SANs, else one of its DNS SANs, else its subject
   * matches.
   */
  private static RbacMatcher authenticated(Principal.Authenticated proto, String path)
      throws ConfigException {
    if (!proto.hasPrincipalName()) {
      return request -> request.peer().authenticated();
    }
    StringMatch name = StringMatch.compile(proto.getPrincipalName(), path + ".principal_name");
    return request -> {
      var peer = request.peer();
      if (!peer.authenticated()) {
        return false;
      }
      for (String uri : peer.uriSans()) {
        if (name.matches(uri)) {
          return true;
        }
      }
      for (String dns : peer.dnsSans()) {
        if (name.matches(dns)) {
          return true;
        }
      }
      return name.matches(peer.subject());
    };
  }
}
