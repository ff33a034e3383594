package io.attache.controlplane.differential;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Compares two observation lists request by request and reports every difference. Values that
 * legitimately differ between two correct data planes are normalised first: {@code server} and
 * {@code date} are ignored; {@code x-envoy-upstream-service-time} is compared by presence only;
 * {@code x-envoy-expected-rq-timeout-ms} is compared verbatim on the first attempt, and on a retry
 * (Envoy lowers it by the time already spent) as "at most the first attempt's" when it is a
 * positive number no larger; generated {@code x-request-id} values (UUID-shaped) become {@code
 * <generated-id-N>}, numbered by first appearance within the observation (attempts first, then the
 * response), so what is compared is whether the same id travelled across the hops. Must never drop
 * a difference it was not told is legitimate.
 */
public final class Differ {

  static final String ABSENT = "<absent>";
  static final String PRESENT = "<present>";
  static final String AT_MOST_FIRST = "<at most the first attempt's>";

  /** What the differ does with a header's value. */
  enum HeaderRule {
    COMPARED,
    IGNORED,
    PRESENCE_ONLY,
    REMAINING_TIMEOUT,
    GENERATED_ID
  }

  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Differ() {}

  static HeaderRule rule(String header) {
    switch (header) {
      case "server":
      case "date":
        return HeaderRule.IGNORED;
      case "x-envoy-upstream-service-time":
        return HeaderRule.PRESENCE_ONLY;
      case "x-envoy-expected-rq-timeout-ms":
        return HeaderRule.REMAINING_TIMEOUT;
      case "x-request-id":
        return HeaderRule.GENERATED_ID;
      default:
        return HeaderRule.COMPARED;
    }
  }

  public static DiffReport compare(
      String leftName, List<Observation> left, String rightName, List<Observation> right) {
    List<Difference> out = new java.util.ArrayList<>();
    int common = Math.min(left.size(), right.size());
    for (int i = 0; i < common; i++) {
      compare(left.get(i), right.get(i), out::add);
    }
    for (int i = common; i < left.size(); i++) {
      Observation o = left.get(i);
      out.add(
          new Difference(
              o.scenario(), o.index(), o.request(), "observation", "status " + o.status(), ABSENT));
    }
    for (int i = common; i < right.size(); i++) {
      Observation o = right.get(i);
      out.add(
          new Difference(
              o.scenario(), o.index(), o.request(), "observation", ABSENT, "status " + o.status()));
    }
    return new DiffReport(leftName, rightName, common, out);
  }

  private static void compare(Observation l, Observation r, Consumer<Difference> out) {
    Consumer<String[]> report =
        d -> out.accept(new Difference(l.scenario(), l.index(), l.request(), d[0], d[1], d[2]));
    field(report, "scenario", l.scenario(), r.scenario());
    field(report, "index", Integer.toString(l.index()), Integer.toString(r.index()));
    field(report, "request", l.request(), r.request());
    field(report, "status", Integer.toString(l.status()), Integer.toString(r.status()));
    field(report, "body", l.body(), r.body());
    Normalised ln = new Normalised(l);
    Normalised rn = new Normalised(r);
    maps(report, "response.headers", ln.response, rn.response);
    field(
        report,
        "attempts.count",
        Integer.toString(l.attempts().size()),
        Integer.toString(r.attempts().size()));
    for (int i = 0; i < Math.min(l.attempts().size(), r.attempts().size()); i++) {
      UpstreamAttempt la = l.attempts().get(i);
      UpstreamAttempt ra = r.attempts().get(i);
      String at = "attempts[" + i + "]";
      field(report, at + ".upstream", la.upstream(), ra.upstream());
      field(report, at + ".method", la.method(), ra.method());
      field(report, at + ".path", la.path(), ra.path());
      maps(report, at + ".headers", ln.attempts.get(i), rn.attempts.get(i));
    }
    maps(report, "facts", l.facts(), r.facts());
  }

  private static void field(Consumer<String[]> report, String name, String left, String right) {
    if (!left.equals(right)) {
      report.accept(new String[] {name, left, right});
    }
  }

  private static void maps(
      Consumer<String[]> report, String name, Map<String, String> left, Map<String, String> right) {
    Set<String> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    for (String key : keys) {
      field(
          report,
          name + "[" + key + "]",
          left.getOrDefault(key, ABSENT),
          right.getOrDefault(key, ABSENT));
    }
  }

  /** One observation's headers with the legitimate differences taken out. */
  private static final class Normalised {
    private final Map<String, String> generatedIds = new LinkedHashMap<>();
    private final List<SortedMap<String, String>> attempts;
    private final SortedMap<String, String> response;

    /** The first attempt's {@code x-envoy-expected-rq-timeout-ms}; retries may only lower it. */
    private final String firstTimeout;

    Normalised(Observation o) {
      firstTimeout =
          o.attempts().isEmpty()
              ? null
              : o.attempts().get(0).headers().get("x-envoy-expected-rq-timeout-ms");
      List<SortedMap<String, String>> normalised = new java.util.ArrayList<>();
      for (int i = 0; i < o.attempts().size(); i++) {
        normalised.add(headers(o.attempts().get(i).headers(), i > 0));
      }
      attempts = List.copyOf(normalised);
      response = headers(o.responseHeaders(), false);
    }

    private SortedMap<String, String> headers(Map<String, String> raw, boolean retry) {
      SortedMap<String, String> out = new TreeMap<>();
      raw.forEach(
          (name, value) -> {
            switch (rule(name)) {
              case IGNORED:
                break;
              case PRESENCE_ONLY:
                out.put(name, PRESENT);
                break;
              case REMAINING_TIMEOUT:
                out.put(name, retry && lowered(value) ? AT_MOST_FIRST : value);
                break;
              case GENERATED_ID:
                out.put(name, UUID.matcher(value).matches() ? token(value) : value);
                break;
              default:
                out.put(name, value);
            }
          });
      return out;
    }

    /** A retry's remaining timeout: a positive number no larger than the first attempt's. */
    private boolean lowered(String value) {
      try {
        long remaining = Long.parseLong(value);
        return firstTimeout != null && remaining > 0 && remaining <= Long.parseLong(firstTimeout);
      } catch (NumberFormatException notANumber) {
        return false;
      }
    }

    private String token(String id) {
      return generatedIds.computeIfAbsent(
          id.toLowerCase(java.util.Locale.ROOT),
          k -> "<generated-id-" + (generatedIds.size() + 1) + ">");
    }
  }
}
