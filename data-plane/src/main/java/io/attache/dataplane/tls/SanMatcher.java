package io.attache.dataplane.tls;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A validation context's {@code match_typed_subject_alt_names}: the peer certificate is accepted
 * when any one matcher matches one SAN of its type, and always when the list is empty (as in
 * Envoy). Immutable; never touches the network.
 */
public final class SanMatcher {
  /** The outcome of checking one certificate. */
  public enum Verdict {
    MATCHED,
    NO_MATCHERS,
    NO_MATCH
  }

  /** SAN types Envoy's {@code san_type} names, with the X.509 GeneralName tag of each. */
  public enum SanType {
    EMAIL(1),
    DNS(2),
    URI(6),
    IP_ADDRESS(7);

    final int generalNameTag;

    SanType(int generalNameTag) {
      this.generalNameTag = generalNameTag;
    }
  }

  private record Entry(SanType type, StringMatch match) {}

  public static final SanMatcher NONE = new SanMatcher(List.of());

  private final List<Entry> entries;

  private SanMatcher(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static SanMatcher from(List<SubjectAltNameMatcher> protos, String path)
      throws ConfigException {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      SubjectAltNameMatcher m = protos.get(i);
      String p = path + "[" + i + "]";
      SanType type =
          switch (m.getSanType()) {
            case URI -> SanType.URI;
            case DNS -> SanType.DNS;
            case EMAIL -> SanType.EMAIL;
            case IP_ADDRESS -> SanType.IP_ADDRESS;
            case OTHER_NAME ->
                throw new ConfigException(p + ".san_type", "OTHER_NAME is not supported");
            default -> throw new ConfigException(p + ".san_type", "is required");
          };
      if (!m.hasMatcher()) {
        throw new ConfigException(p + ".matcher", "is required");
      }
      entries.add(new Entry(type, StringMatch.compile(m.getMatcher(), p + ".matcher")));
    }
    return new SanMatcher(entries);
  }

  /** Both lists: a certificate passes when any matcher of either matches. */
  public SanMatcher plus(SanMatcher other) {
    List<Entry> all = new ArrayList<>(entries);
    all.addAll(other.entries);
    return new SanMatcher(all);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public Verdict check(X509Certificate certificate) {
    if (entries.isEmpty()) {
      return Verdict.NO_MATCHERS;
    }
    for (Entry e : entries) {
      for (String san : sans(certificate, e.type)) {
        if (e.match.matches(san)) {
          return Verdict.MATCHED;
        }
      }
    }
    return Verdict.NO_MATCH;
  }

  /** The SANs of one type, as strings; empty when the certificate has none or cannot be read. */
  public static List<String> sans(X509Certificate certificate, SanType type) {
    Collection<List<?>> all;
    try {
      all = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    if (all == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (List<?> san : all) {
      if (san.size() >= 2
          && san.get(0) instanceof Integer tag
          && tag == type.generalNameTag
          && san.get(1) instanceof String value) {
        out.add(value);
      }
    }
    return out;
  }
}
