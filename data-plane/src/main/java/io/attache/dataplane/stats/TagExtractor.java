package io.attache.dataplane.stats;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's default tag extraction ({@code source/common/config/well_known_names.cc}) for the stat
 * families Attaché emits, so Prometheus output carries the same metric names and labels as a stock
 * Envoy and dashboards built for Envoy work unchanged. Pure and thread-safe; holds no stats.
 *
 * <p>As in Envoy, every extractor looks at the full original name; the characters each one claims
 * are removed only at the end, and tags come out in Envoy's order: extractors that apply to any
 * name first (response code, code class), then those keyed by the name's first token in
 * registration order.
 */
public final class TagExtractor {
  public static final String RESPONSE_CODE = "envoy.response_code";
  public static final String RESPONSE_CODE_CLASS = "envoy.response_code_class";
  public static final String CLUSTER_NAME = "envoy.cluster_name";
  public static final String HTTP_CONN_MANAGER_PREFIX = "envoy.http_conn_manager_prefix";
  public static final String LISTENER_ADDRESS = "envoy.listener_address";
  public static final String VIRTUAL_HOST = "envoy.virtual_host";
  public static final String VIRTUAL_CLUSTER = "envoy.virtual_cluster";
  public static final String ROUTE = "envoy.route";
  public static final String RDS_ROUTE_CONFIG = "envoy.rds_route_config";
  public static final String TCP_PREFIX = "envoy.tcp_prefix";
  public static final String UDP_PREFIX = "envoy.udp_prefix";
  public static final String WORKER_ID = "envoy.worker_id";
  public static final String SSL_CIPHER_SUITE = "envoy.ssl_cipher_suite";
  public static final String SSL_CIPHER = "envoy.ssl_cipher";

  private static final String ADDRESS =
      "(?:(?:\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[[a-fA-F_\\d]+\\])_\\d+)";
  private static final String TAG_VALUE = "[^\\.]+";

  private static final TagExtractor DEFAULT = new TagExtractor();

  private final List<Rule> rules = new ArrayList<>();
  private final List<TagExtractedName.Tag> fixedTags;

  private TagExtractor(List<TagExtractedName.Tag> fixedTags, List<Rule> rules) {
    this.fixedTags = List.copyOf(fixedTags);
    this.rules.addAll(rules);
  }

  private TagExtractor() {
    this.fixedTags = List.of();
    // Same order, regexes and tokenized patterns as Envoy's TagNameValues (only the families
    // Attaché emits); the first group is what is removed, the second the tag value.
    regex(RESPONSE_CODE, "_rq(_(\\d{3}))$", "");
    regex(RESPONSE_CODE_CLASS, "_rq_((\\d))xx$", "");
    tokenized(VIRTUAL_CLUSTER, "vhost.*.vcluster.$.**");
    regex(SSL_CIPHER, "^listener\\..*?\\.ssl\\.ciphers(\\.([\\w-]+))$", "");
    regex(SSL_CIPHER_SUITE, "^cluster\\." + TAG_VALUE + "\\.ssl\\.ciphers(\\.([\\w-]+))$", "");
    tokenized(TCP_PREFIX, "tcp.$.**");
    tokenized(UDP_PREFIX, "udp.$.**");
    tokenized(CLUSTER_NAME, "cluster.$.**");
    regex(HTTP_CONN_MANAGER_PREFIX, "^listener\\..*?\\.http\\.((" + TAG_VALUE + ")\\.)", "");
    tokenized(HTTP_CONN_MANAGER_PREFIX, "http.$.**");
    regex(
        WORKER_ID,
        "^(?:listener\\.(?:"
            + ADDRESS
            + "|"
            + TAG_VALUE
            + ")\\.|server\\.|listener_manager\\.)worker_((\\d+)\\.)",
        "");
    regex(LISTENER_ADDRESS, "^listener\\.((" + ADDRESS + "|" + TAG_VALUE + ")\\.)", "admin");
    tokenized(VIRTUAL_HOST, "vhost.$.**");
    regex(RDS_ROUTE_CONFIG, "^http\\." + TAG_VALUE + "\\.rds\\.(([\\w\\-.]+)\\.)\\w+?$", "");
    tokenized(ROUTE, "vhost.*.route.$.**");
  }

  /** The extractor with Envoy's default rules. */
  public static TagExtractor envoyDefaults() {
    return DEFAULT;
  }

  /**
   * These rules plus tags every stat carries (Envoy's {@code --stats-tag name:value} and {@code
   * stats_config.stats_tags} with a {@code fixed_value}), placed where Envoy places them: after the
   * tags any name can have, before those keyed by the name's first token.
   */
  public TagExtractor withFixedTags(List<TagExtractedName.Tag> tags) {
    List<TagExtractedName.Tag> all = new ArrayList<>(fixedTags);
    all.addAll(tags);
    return new TagExtractor(all, rules);
  }

  public TagExtractedName extract(String name) {
    List<TagExtractedName.Tag> tags = new ArrayList<>();
    BitSet removed = new BitSet(name.length());
    String firstToken = firstToken(name);
    // Envoy runs the extractors that apply to any name before those keyed by the first token.
    for (Rule rule : rules) {
      if (rule.prefix().isEmpty()) {
        rule.apply(name, tags, removed);
      }
    }
    tags.addAll(fixedTags);
    for (Rule rule : rules) {
      if (!rule.prefix().isEmpty() && rule.prefix().equals(firstToken)) {
        rule.apply(name, tags, removed);
      }
    }
    StringBuilder extracted = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      if (!removed.get(i)) {
        extracted.append(name.charAt(i));
      }
    }
    return new TagExtractedName(name, extracted.toString(), tags);
  }

  private void regex(String tagName, String regex, String negativeValue) {
    rules.add(new RegexRule(tagName, Pattern.compile(regex), regexPrefix(regex), negativeValue));
  }

  private void tokenized(String tagName, String pattern) {
    String[] tokens = pattern.split("\\.");
    rules.add(new TokenizedRule(tagName, tokens, tokens[0]));
  }

  private static String firstToken(String name) {
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  /** Like Envoy: a regex anchored with {@code ^word\.} only ever applies to names starting so. */
  private static String regexPrefix(String regex) {
    if (!regex.startsWith("^")) {
      return "";
    }
    int end = 1;
    while (end < regex.length()
        && (Character.isLetterOrDigit(regex.charAt(end)) || regex.charAt(end) == '_')) {
      end++;
    }
    if (regex.startsWith("\\.", end)) {
      return regex.substring(1, end);
    }
    return "";
  }

  private interface Rule {
    String prefix();

    void apply(String name, List<TagExtractedName.Tag> tags, BitSet removed);
  }

  private record RegexRule(String tagName, Pattern pattern, String prefix, String negativeValue)
      implements Rule {
    @Override
    public void apply(String name, List<TagExtractedName.Tag> tags, BitSet removed) {
      Matcher matcher = pattern.matcher(name);
      if (!matcher.find()) {
        return;
      }
      String value = matcher.group(2);
      if (!negativeValue.isEmpty() && negativeValue.equals(value)) {
        return;
      }
      tags.add(new TagExtractedName.Tag(tagName, value));
      removed.set(matcher.start(1), matcher.end(1));
    }
  }

  /**
   * Envoy's tokenized patterns: tokens separated by dots, {@code *} matches one token, {@code **}
   * any number, {@code $} captures one token (removed together with its trailing dot).
   */
  private record TokenizedRule(String tagName, String[] pattern, String prefix) implements Rule {
    @Override
    public void apply(String name, List<TagExtractedName.Tag> tags, BitSet removed) {
      String[] tokens = name.split("\\.", -1);
      int[] captured = new int[] {-1};
      if (!matches(tokens, 0, 0, captured) || captured[0] < 0) {
        return;
      }
      int start = 0;
      for (int i = 0; i < captured[0]; i++) {
        start += tokens[i].length() + 1;
      }
      int end = start + tokens[captured[0]].length();
      tags.add(new TagExtractedName.Tag(tagName, tokens[captured[0]]));
      removed.set(start, Math.min(end + 1, name.length()));
    }

    private boolean matches(String[] tokens, int ti, int pi, int[] captured) {
      if (pi == pattern.length) {
        return ti == tokens.length;
      }
      String p = pattern[pi];
      if (p.equals("**")) {
        // Envoy's ** needs at least one token when it ends the pattern.
        int min = pi == pattern.length - 1 ? 1 : 0;
        for (int skip = tokens.length - ti; skip >= min; skip--) {
          if (matches(tokens, ti + skip, pi + 1, captured)) {
            return true;
          }
        }
        return false;
      }
      if (ti == tokens.length) {
        return false;
      }
      if (p.equals("$")) {
        if (tokens[ti].isEmpty() || !matches(tokens, ti + 1, pi + 1, captured)) {
          return false;
        }
        captured[0] = ti;
        return true;
      }
      if (p.equals("*") || p.equals(tokens[ti])) {
        return !tokens[ti].isEmpty() && matches(tokens, ti + 1, pi + 1, captured);
      }
      return false;
    }
  }
}
