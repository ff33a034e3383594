package io.attache.dataplane.matcher;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.IPMatcher;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.MatchInput.Domain;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled unified matcher ({@code xds.type.matcher.v3.Matcher}, and Envoy's older {@code
 * envoy.config.common.matcher.v3.Matcher}, which has the same shape): a {@code matcher_list} of
 * predicates (single, or, and, not; {@code value_match} string matchers) or a {@code matcher_tree}
 * ({@code exact_match_map}, {@code prefix_match_map}, the {@code IPMatcher} range trie as {@code
 * custom_match}), {@code on_no_match}, nested matchers as {@code on_match}. The actions are
 * whatever the caller's {@link ActionParser} makes of them. Immutable and thread-safe; matching
 * never allocates beyond what its inputs read.
 *
 * <p>As in Envoy, a matcher never decides on data that has not arrived: an input whose data is not
 * there yet makes the result {@link Result#needsMoreData()}, and the caller matches again later. A
 * nested matcher that does not match lets matching go on (the next list entry, the next shorter
 * prefix), then {@code on_no_match}.
 *
 * @param <A> the action type
 */
public final class UnifiedMatcher<A> {
  /** Turns an {@code on_match.action} into the caller's action; refuses, with {@code path}. */
  @FunctionalInterface
  public interface ActionParser<A> {
    A parse(TypedExtensionConfig action, String path) throws ConfigException;
  }

  /** Outcome of one evaluation: an action, no match, or not decidable until more data arrives. */
  public record Result<A>(A action, boolean needsMoreData) {
    private static final Result<?> NO_MATCH = new Result<>(null, false);
    private static final Result<?> NEEDS_MORE_DATA = new Result<>(null, true);

    @SuppressWarnings("unchecked")
    static <A> Result<A> noMatch() {
      return (Result<A>) NO_MATCH;
    }

    @SuppressWarnings("unchecked")
    static <A> Result<A> moreData() {
      return (Result<A>) NEEDS_MORE_DATA;
    }

    public boolean matched() {
      return action != null;
    }
  }

  private enum Truth {
    TRUE,
    FALSE,
    NEEDS_MORE_DATA
  }

  private interface Node<A> {
    Result<A> match(MatchingData data);
  }

  private interface Condition {
    Truth test(MatchingData data);
  }

  /** An {@code OnMatch}: an action, or a nested matcher. */
  private record OnMatch<A>(A action, UnifiedMatcher<A> nested) {
    Result<A> evaluate(MatchingData data) {
      return action != null ? new Result<>(action, false) : nested.match(data);
    }
  }

  private final Node<A> node;
  private final OnMatch<A> onNoMatch;

  private UnifiedMatcher(Node<A> node, OnMatch<A> onNoMatch) {
    this.node = node;
    this.onNoMatch = onNoMatch;
  }

  /** Evaluates the matcher on what the stream has so far. */
  public Result<A> match(MatchingData data) {
    Result<A> result = node.match(data);
    if (result.matched() || result.needsMoreData() || onNoMatch == null) {
      return result;
    }
    return onNoMatch.evaluate(data);
  }

  /**
   * Compiles an {@code xds.type.matcher.v3.Matcher} over an HTTP stream; errors name {@code path}.
   */
  public static <A> UnifiedMatcher<A> compile(Matcher proto, ActionParser<A> actions, String path)
      throws ConfigException {
    return compile(proto, actions, Domain.HTTP, path);
  }

  /**
   * Compiles an {@code xds.type.matcher.v3.Matcher} whose inputs read {@code domain}'s data (an
   * input of another domain is refused); errors name {@code path}.
   */
  public static <A> UnifiedMatcher<A> compile(
      Matcher proto, ActionParser<A> actions, Domain domain, String path) throws ConfigException {
    OnMatch<A> onNoMatch =
        proto.hasOnNoMatch()
            ? onMatch(proto.getOnNoMatch(), actions, domain, path + ".on_no_match")
            : null;
    return switch (proto.getMatcherTypeCase()) {
      case MATCHER_LIST ->
          new UnifiedMatcher<>(
              list(proto.getMatcherList(), actions, domain, path + ".matcher_list"), onNoMatch);
      case MATCHER_TREE ->
          new UnifiedMatcher<>(
              tree(proto.getMatcherTree(), actions, domain, path + ".matcher_tree"), onNoMatch);
      case MATCHERTYPE_NOT_SET -> new UnifiedMatcher<>(data -> Result.noMatch(), onNoMatch);
    };
  }

  /**
   * Compiles Envoy's {@code envoy.config.common.matcher.v3.Matcher}. It is field for field the xds
   * message (same numbers, same types on the wire, Envoy's {@code StringMatcher} for xds's), so it
   * is read as one; errors name {@code path}.
   */
  public static <A> UnifiedMatcher<A> compile(
      io.envoyproxy.envoy.config.common.matcher.v3.Matcher proto,
      ActionParser<A> actions,
      String path)
      throws ConfigException {
    try {
      return compile(Matcher.parseFrom(proto.toByteString()), actions, path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a matcher: " + e.getMessage());
    }
  }

  /**
   * Refuses a matcher that reads an input not in {@code allowedTypeUrls} (Envoy's data input
   * allowlist of a matcher's user, e.g. RBAC's request-only inputs); the error names the input's
   * {@code path} and says {@code who} cannot match on it.
   */
  public static void requireInputs(
      Matcher proto, java.util.Set<String> allowedTypeUrls, String who, String path)
      throws ConfigException {
    if (proto.hasOnNoMatch()) {
      requireInputs(proto.getOnNoMatch(), allowedTypeUrls, who, path + ".on_no_match");
    }
    switch (proto.getMatcherTypeCase()) {
      case MATCHER_LIST -> {
        for (int i = 0; i < proto.getMatcherList().getMatchersCount(); i++) {
          Matcher.MatcherList.FieldMatcher field = proto.getMatcherList().getMatchers(i);
          String fp = path + ".matcher_list.matchers[" + i + "]";
          requireInputs(field.getPredicate(), allowedTypeUrls, who, fp + ".predicate");
          requireInputs(field.getOnMatch(), allowedTypeUrls, who, fp + ".on_match");
        }
      }
      case MATCHER_TREE -> {
        String tp = path + ".matcher_tree";
        requireInput(proto.getMatcherTree().getInput(), allowedTypeUrls, who, tp + ".input");
        Map<String, Matcher.OnMatch> map =
            proto.getMatcherTree().hasExactMatchMap()
                ? proto.getMatcherTree().getExactMatchMap().getMapMap()
                : proto.getMatcherTree().getPrefixMatchMap().getMapMap();
        for (Map.Entry<String, Matcher.OnMatch> e : map.entrySet()) {
          requireInputs(e.getValue(), allowedTypeUrls, who, tp + ".map[\"" + e.getKey() + "\"]");
        }
      }
      case MATCHERTYPE_NOT_SET -> {}
    }
  }

  private static void requireInputs(
      Matcher.OnMatch proto, java.util.Set<String> allowed, String who, String path)
      throws ConfigException {
    if (proto.hasMatcher()) {
      requireInputs(proto.getMatcher(), allowed, who, path + ".matcher");
    }
  }

  private static void requireInputs(
      Predicate proto, java.util.Set<String> allowed, String who, String path)
      throws ConfigException {
    switch (proto.getMatchTypeCase()) {
      case SINGLE_PREDICATE ->
          requireInput(
              proto.getSinglePredicate().getInput(),
              allowed,
              who,
              path + ".single_predicate.input");
      case OR_MATCHER -> {
        for (int i = 0; i < proto.getOrMatcher().getPredicateCount(); i++) {
          requireInputs(
              proto.getOrMatcher().getPredicate(i),
              allowed,
              who,
              path + ".or_matcher.predicate[" + i + "]");
        }
      }
      case AND_MATCHER -> {
        for (int i = 0; i < proto.getAndMatcher().getPredicateCount(); i++) {
          requireInputs(
              proto.getAndMatcher().getPredicate(i),
              allowed,
              who,
              path + ".and_matcher.predicate[" + i + "]");
        }
      }
      case NOT_MATCHER -> requireInputs(proto.getNotMatcher(), allowed, who, path + ".not_matcher");
      case MATCHTYPE_NOT_SET -> {}
    }
  }

  private static void requireInput(
      TypedExtensionConfig input, java.util.Set<String> allowed, String who, String path)
      throws ConfigException {
    String typeUrl = input.getTypedConfig().getTypeUrl();
    if (!typeUrl.isEmpty() && !allowed.contains(typeUrl)) {
      throw new ConfigException(path + ".typed_config", who + " cannot match on '" + typeUrl + "'");
    }
  }

  private static <A> OnMatch<A> onMatch(
      Matcher.OnMatch proto, ActionParser<A> actions, Domain domain, String path)
      throws ConfigException {
    return switch (proto.getOnMatchCase()) {
      case ACTION -> {
        A action = actions.parse(proto.getAction(), path + ".action");
        yield new OnMatch<>(action, null);
      }
      case MATCHER ->
          new OnMatch<>(null, compile(proto.getMatcher(), actions, domain, path + ".matcher"));
      case ONMATCH_NOT_SET -> throw new ConfigException(path, "one of matcher, action is required");
    };
  }

  private static <A> Node<A> list(
      Matcher.MatcherList proto, ActionParser<A> actions, Domain domain, String path)
      throws ConfigException {
    if (proto.getMatchersCount() == 0) {
      throw new ConfigException(path + ".matchers", "must have at least one entry");
    }
    List<Condition> conditions = new ArrayList<>();
    List<OnMatch<A>> onMatches = new ArrayList<>();
    for (int i = 0; i < proto.getMatchersCount(); i++) {
      String fp = path + ".matchers[" + i + "]";
      Matcher.MatcherList.FieldMatcher field = proto.getMatchers(i);
      if (!field.hasPredicate()) {
        throw new ConfigException(fp + ".predicate", "is required");
      }
      if (!field.hasOnMatch()) {
        throw new ConfigException(fp + ".on_match", "is required");
      }
      conditions.add(predicate(field.getPredicate(), domain, fp + ".predicate"));
      onMatches.add(onMatch(field.getOnMatch(), actions, domain, fp + ".on_match"));
    }
    return data -> {
      for (int i = 0; i < conditions.size(); i++) {
        Truth truth = conditions.get(i).test(data);
        if (truth == Truth.NEEDS_MORE_DATA) {
          return Result.moreData();
        }
        if (truth == Truth.TRUE) {
          Result<A> result = onMatches.get(i).evaluate(data);
          if (result.matched() || result.needsMoreData()) {
            return result;
          }
        }
      }
      return Result.noMatch();
    };
  }

  private static Condition predicate(Predicate proto, Domain domain, String path)
      throws ConfigException {
    return switch (proto.getMatchTypeCase()) {
      case SINGLE_PREDICATE ->
          single(proto.getSinglePredicate(), domain, path + ".single_predicate");
      case OR_MATCHER -> {
        List<Condition> any = predicates(proto.getOrMatcher(), domain, path + ".or_matcher");
        yield data -> {
          boolean moreData = false;
          for (Condition c : any) {
            Truth t = c.test(data);
            if (t == Truth.TRUE) {
              return Truth.TRUE;
            }
            moreData |= t == Truth.NEEDS_MORE_DATA;
          }
          return moreData ? Truth.NEEDS_MORE_DATA : Truth.FALSE;
        };
      }
      case AND_MATCHER -> {
        List<Condition> all = predicates(proto.getAndMatcher(), domain, path + ".and_matcher");
        yield data -> {
          boolean moreData = false;
          for (Condition c : all) {
            Truth t = c.test(data);
            if (t == Truth.FALSE) {
              return Truth.FALSE;
            }
            moreData |= t == Truth.NEEDS_MORE_DATA;
          }
          return moreData ? Truth.NEEDS_MORE_DATA : Truth.TRUE;
        };
      }
      case NOT_MATCHER -> {
        Condition inner = predicate(proto.getNotMatcher(), domain, path + ".not_matcher");
        yield data ->
            switch (inner.test(data)) {
              case TRUE -> Truth.FALSE;
              case FALSE -> Truth.TRUE;
              case NEEDS_MORE_DATA -> Truth.NEEDS_MORE_DATA;
            };
      }
      case MATCHTYPE_NOT_SET ->
          throw new ConfigException(
              path, "one of single_predicate, or_matcher, and_matcher, not_matcher is required");
    };
  }

  private static List<Condition> predicates(
      Predicate.PredicateList proto, Domain domain, String path) throws ConfigException {
    if (proto.getPredicateCount() < 2) {
      throw new ConfigException(path + ".predicate", "must have at least 2 entries");
    }
    List<Condition> out = new ArrayList<>();
    for (int i = 0; i < proto.getPredicateCount(); i++) {
      out.add(predicate(proto.getPredicate(i), domain, path + ".predicate[" + i + "]"));
    }
    return List.copyOf(out);
  }

  private static Condition single(Predicate.SinglePredicate proto, Domain domain, String path)
      throws ConfigException {
    if (!proto.hasInput()) {
      throw new ConfigException(path + ".input", "is required");
    }
    MatchInput input = MatchInput.compile(proto.getInput(), domain, path + ".input");
    StringMatch value =
        switch (proto.getMatcherCase()) {
          case VALUE_MATCH -> stringMatch(proto.getValueMatch(), path + ".value_match");
          case CUSTOM_MATCH ->
              throw new ConfigException(
                  path + ".custom_match", "custom matchers are not supported");
          case MATCHER_NOT_SET ->
              throw new ConfigException(path, "one of value_match, custom_match is required");
        };
    return data -> {
      if (!input.available(data)) {
        return Truth.NEEDS_MORE_DATA;
      }
      String v = input.value(data);
      // An absent value matches no string matcher, as in Envoy.
      return v != null && value.matches(v) ? Truth.TRUE : Truth.FALSE;
    };
  }

  /**
   * xds's StringMatcher is Envoy's on the wire (same fields and numbers): one compiler for both.
   */
  private static StringMatch stringMatch(
      com.github.xds.type.matcher.v3.StringMatcher proto, String path) throws ConfigException {
    try {
      return StringMatch.compile(StringMatcher.parseFrom(proto.toByteString()), path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a StringMatcher: " + e.getMessage());
    }
  }

  private static <A> Node<A> tree(
      Matcher.MatcherTree proto, ActionParser<A> actions, Domain domain, String path)
      throws ConfigException {
    if (!proto.hasInput()) {
      throw new ConfigException(path + ".input", "is required");
    }
    MatchInput input = MatchInput.compile(proto.getInput(), domain, path + ".input");
    return switch (proto.getTreeTypeCase()) {
      case EXACT_MATCH_MAP -> {
        Map<String, OnMatch<A>> exact =
            onMatches(proto.getExactMatchMap(), actions, domain, path + ".exact_match_map");
        yield data -> {
          if (!input.available(data)) {
            return Result.moreData();
          }
          String v = input.value(data);
          OnMatch<A> onMatch = v == null ? null : exact.get(v);
          return onMatch == null ? Result.noMatch() : onMatch.evaluate(data);
        };
      }
      case PREFIX_MATCH_MAP -> {
        Map<String, OnMatch<A>> byPrefix =
            onMatches(proto.getPrefixMatchMap(), actions, domain, path + ".prefix_match_map");
        List<String> longestFirst =
            byPrefix.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        yield data -> {
          if (!input.available(data)) {
            return Result.moreData();
          }
          String v = input.value(data);
          if (v == null) {
            return Result.noMatch();
          }
          for (String prefix : longestFirst) {
            if (v.startsWith(prefix)) {
              Result<A> result = byPrefix.get(prefix).evaluate(data);
              if (result.matched() || result.needsMoreData()) {
                return result;
              }
            }
          }
          return Result.noMatch();
        };
      }
      case CUSTOM_MATCH ->
          ipRanges(input, proto.getCustomMatch(), actions, domain, path + ".custom_match");
      case TREETYPE_NOT_SET ->
          throw new ConfigException(
              path, "one of exact_match_map, prefix_match_map, custom_match is required");
    };
  }

  /** One range of an {@code IPMatcher}, in the matcher's order of trial. */
  private record IpRange<A>(CidrMatch range, int declared, boolean exclusive, OnMatch<A> onMatch) {}

  /**
   * Envoy's {@code envoy.matching.custom_matchers.trie_matcher} ({@code
   * xds.type.matcher.v3.IPMatcher}) over an input that reads an IP address: the ranges that contain
   * it, longest prefix first (then in declaration order), each decides or lets the next one try; an
   * {@code exclusive} range is tried only when it is the longest. A value that is not an IP address
   * matches nothing.
   */
  private static <A> Node<A> ipRanges(
      MatchInput input,
      TypedExtensionConfig custom,
      ActionParser<A> actions,
      Domain domain,
      String path)
      throws ConfigException {
    String typeUrl = custom.getTypedConfig().getTypeUrl();
    if (!typeUrl.equals(MatchInput.TYPE_PREFIX + IPMatcher.getDescriptor().getFullName())) {
      throw new ConfigException(
          path + ".typed_config",
          "custom matcher "
              + typeUrl
              + " is not supported; xds.type.matcher.v3.IPMatcher"
              + " (envoy.matching.custom_matchers.trie_matcher) is");
    }
    IPMatcher proto;
    try {
      proto = custom.getTypedConfig().unpack(IPMatcher.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", "not an IPMatcher: " + e.getMessage());
    }
    String rangesPath = path + ".typed_config.range_matchers";
    List<IpRange<A>> ranges = new ArrayList<>();
    for (int i = 0; i < proto.getRangeMatchersCount(); i++) {
      IPMatcher.IPRangeMatcher rangeMatcher = proto.getRangeMatchers(i);
      String rp = rangesPath + "[" + i + "]";
      if (!rangeMatcher.hasOnMatch()) {
        throw new ConfigException(rp + ".on_match", "is required");
      }
      OnMatch<A> onMatch = onMatch(rangeMatcher.getOnMatch(), actions, domain, rp + ".on_match");
      for (int j = 0; j < rangeMatcher.getRangesCount(); j++) {
        CidrMatch range = cidr(rangeMatcher.getRanges(j), rp + ".ranges[" + j + "]");
        ranges.add(new IpRange<>(range, i, rangeMatcher.getExclusive(), onMatch));
      }
    }
    List<IpRange<A>> longestFirst =
        ranges.stream()
            .sorted(
                Comparator.comparingInt((IpRange<A> r) -> r.range().prefixLen())
                    .reversed()
                    .thenComparingInt(IpRange::declared))
            .toList();
    return data -> {
      if (!input.available(data)) {
        return Result.moreData();
      }
      String v = input.value(data);
      byte[] address = v == null ? null : NetUtil.createByteArrayFromIpAddressString(v);
      if (address == null) {
        return Result.noMatch();
      }
      boolean first = true;
      for (IpRange<A> candidate : longestFirst) {
        if (!candidate.range().contains(address) || (!first && candidate.exclusive())) {
          continue;
        }
        Result<A> result = candidate.onMatch().evaluate(data);
        if (result.matched() || result.needsMoreData()) {
          return result;
        }
        first = false;
      }
      return Result.noMatch();
    };
  }

  /** xds's CidrRange is Envoy's on the wire: one compiler for both. */
  private static CidrMatch cidr(com.github.xds.core.v3.CidrRange proto, String path)
      throws ConfigException {
    try {
      return CidrMatch.compile(
          io.envoyproxy.envoy.config.core.v3.CidrRange.parseFrom(proto.toByteString()), path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a CidrRange: " + e.getMessage());
    }
  }

  private static <A> Map<String, OnMatch<A>> onMatches(
      Matcher.MatcherTree.MatchMap proto, ActionParser<A> actions, Domain domain, String path)
      throws ConfigException {
    if (proto.getMapCount() == 0) {
      throw new ConfigException(path + ".map", "must have at least one entry");
    }
    Map<String, OnMatch<A>> out = new HashMap<>();
    for (Map.Entry<String, Matcher.OnMatch> e : proto.getMapMap().entrySet()) {
      out.put(
          e.getKey(),
          onMatch(e.getValue(), actions, domain, path + ".map[\"" + e.getKey() + "\"]"));
    }
    return Map.copyOf(out);
  }
}
