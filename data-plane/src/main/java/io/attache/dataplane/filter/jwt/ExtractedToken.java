package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.filter.jwt.JwtProviderConfig.HeaderLocation;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One token found in a request (Envoy's {@code JwtLocation}): its text, where it was (a header, to
 * remove it when the provider does not {@code forward} it; or a query parameter) and which issuers
 * may use that place. Immutable.
 *
 * @param headerName the header it came from, null for a query parameter
 * @param allowedIssuers issuers of the providers reading this location; "" means any
 */
record ExtractedToken(String token, String headerName, Set<String> allowedIssuers) {

  boolean issuerAllowed(String issuer) {
    return allowedIssuers.contains(issuer) || allowedIssuers.contains("");
  }

  /**
   * The tokens of {@code providers}' locations in {@code headers} and the query of {@code uri}, as
   * Envoy's extractor returns them: header locations first (in configuration order), then
   * parameters; a location shared by several providers is read once.
   */
  static List<ExtractedToken> extract(
      List<JwtProviderConfig> providers, HttpHeaders headers, String uri) {
    Map<HeaderLocation, Set<String>> headerLocations = new LinkedHashMap<>();
    Map<String, Set<String>> paramLocations = new LinkedHashMap<>();
    for (JwtProviderConfig p : providers) {
      for (HeaderLocation h : p.fromHeaders()) {
        headerLocations.computeIfAbsent(h, k -> new LinkedHashSet<>()).add(p.issuer());
      }
      for (String param : p.fromParams()) {
        paramLocations.computeIfAbsent(param, k -> new LinkedHashSet<>()).add(p.issuer());
      }
    }
    List<ExtractedToken> tokens = new ArrayList<>();
    for (Map.Entry<HeaderLocation, Set<String>> e : headerLocations.entrySet()) {
      HeaderLocation location = e.getKey();
      String value = headers.get(location.name());
      if (value == null) {
        continue;
      }
      String token = afterPrefix(value, location.valuePrefix());
      if (token != null && !token.isEmpty()) {
        tokens.add(new ExtractedToken(token, location.name(), Set.copyOf(e.getValue())));
      }
    }
    if (!paramLocations.isEmpty() && uri.indexOf('?') >= 0) {
      Map<String, List<String>> query = new QueryStringDecoder(uri).parameters();
      for (Map.Entry<String, Set<String>> e : paramLocations.entrySet()) {
        List<String> values = query.get(e.getKey());
        if (values != null && !values.isEmpty() && !values.get(0).isEmpty()) {
          tokens.add(new ExtractedToken(values.get(0), null, Set.copyOf(e.getValue())));
        }
      }
    }
    return tokens;
  }

  /**
   * The token after {@code prefix}: the value must start with it, and the token runs to the first
   * character that cannot be part of a JWS compact serialisation; null when the prefix is absent.
   */
  private static String afterPrefix(String value, String prefix) {
    if (!value.startsWith(prefix)) {
      return null;
    }
    int start = prefix.length();
    int end = start;
    while (end < value.length() && tokenChar(value.charAt(end))) {
      end++;
    }
    return value.substring(start, end);
  }

  private static boolean tokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_'
        || c == '.'
        || c == '='
        || c == '+'
        || c == '/';
  }
}
