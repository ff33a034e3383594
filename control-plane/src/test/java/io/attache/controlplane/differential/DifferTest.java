package io.attache.controlplane.differential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DifferTest {

  private static final String ID_A = "3f2b8c1e-7d4a-4c2b-9e1f-0a1b2c3d4e5f";
  private static final String ID_B = "01890a5d-ac96-774b-bcce-b302099a8057";

  /** A retried GET as one data plane would record it, with the given per-hop values. */
  private static Observation retried(
      int status,
      String server,
      String serviceTime,
      String upstreamId,
      String responseId,
      String... attemptCountHeader) {
    Observation.Builder b =
        Observation.of("retry", 0, "GET flaky /")
            .status(status)
            .body("flaky")
            .header("server", server)
            .header("date", server.equals("envoy") ? "Mon, 01 Jan 2024" : "Tue, 02 Jan 2024")
            .header("x-envoy-upstream-service-time", serviceTime)
            .header("x-request-id", responseId);
    for (int i = 0; i < 2; i++) {
      Map<String, String> headers = new HashMap<>();
      headers.put("host", "flaky");
      headers.put("x-request-id", upstreamId);
      headers.put("x-envoy-expected-rq-timeout-ms", i == 0 ? "15000" : "14975");
      if (attemptCountHeader.length > 0) {
        headers.put("x-envoy-attempt-count", Integer.toString(i + 1));
      }
      b.attempt(UpstreamAttempt.of("flaky", "GET", "/", headers));
    }
    return b.build();
  }

  @Test
  void findsNoDifferenceInValuesThatLegitimatelyDiffer() {
    Observation envoy = retried(200, "envoy", "3", ID_A, ID_A);
    Observation attache = retried(200, "attache", "17", ID_B, ID_B);

    DiffReport report = Differ.compare("envoy", List.of(envoy), "attache", List.of(attache));

    assertThat(report.differences()).isEmpty();
    assertThat(report.identical()).isTrue();
    assertThat(report.observationsCompared()).isEqualTo(1);
  }

  @Test
  void findsAStatusDifference() {
    DiffReport report =
        Differ.compare(
            "envoy",
            List.of(retried(200, "envoy", "3", ID_A, ID_A)),
            "attache",
            List.of(retried(503, "envoy", "3", ID_A, ID_A)));

    assertThat(report.differences())
        .containsExactly(new Difference("retry", 0, "GET flaky /", "status", "200", "503"));
    assertThat(report.render()).contains("[retry #0 GET flaky /] status: envoy=200 attache=503");
  }

  @Test
  void findsAnAttemptCountDifferenceAndNamesTheMissingAttempt() {
    Observation twoAttempts = retried(200, "envoy", "3", ID_A, ID_A);
    Observation oneAttempt =
        Observation.of("retry", 0, "GET flaky /")
            .status(200)
            .body("flaky")
            .header("x-envoy-upstream-service-time", "1")
            .header("x-request-id", ID_B)
            .attempt(twoAttempts.attempts().get(0))
            .build();

    DiffReport report =
        Differ.compare("envoy", List.of(twoAttempts), "attache", List.of(oneAttempt));

    assertThat(report.differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple("response.headers[x-request-id]", "<generated-id-1>", "<generated-id-2>"),
            tuple("attempts.count", "2", "1"));
  }

  @Test
  void findsAHeaderThatOnlyOneSideSent() {
    DiffReport report =
        Differ.compare(
            "envoy",
            List.of(retried(200, "envoy", "3", ID_A, ID_A, "with x-envoy-attempt-count")),
            "attache",
            List.of(retried(200, "attache", "3", ID_B, ID_B)));

    assertThat(report.differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple("attempts[0].headers[x-envoy-attempt-count]", "1", "<absent>"),
            tuple("attempts[1].headers[x-envoy-attempt-count]", "2", "<absent>"));
  }

  @Test
  void findsARequestIdThatWasNotCarriedAcrossHops() {
    // Envoy returns the id it sent upstream; a data plane that answered with a fresh id would not.
    DiffReport report =
        Differ.compare(
            "envoy",
            List.of(retried(200, "envoy", "3", ID_A, ID_A)),
            "attache",
            List.of(retried(200, "attache", "3", ID_A, ID_B)));

    assertThat(report.differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple("response.headers[x-request-id]", "<generated-id-1>", "<generated-id-2>"));
  }

  @Test
  void comparesAClientSuppliedRequestIdVerbatim() {
    Observation sent =
        Observation.of("ids", 1, "GET ids /").header("x-request-id", "client-7").build();
    Observation replaced =
        Observation.of("ids", 1, "GET ids /").header("x-request-id", "client-8").build();

    assertThat(Differ.compare("envoy", List.of(sent), "attache", List.of(replaced)).differences())
        .extracting(Difference::left, Difference::right)
        .containsExactly(tuple("client-7", "client-8"));
  }

  /** One GET retried once, with the given announced timeouts on its two attempts. */
  private static Observation timeouts(String first, String retry) {
    return Observation.of("retry", 0, "GET flaky /")
        .status(200)
        .attempt(
            UpstreamAttempt.of(
                "flaky", "GET", "/", Map.of("x-envoy-expected-rq-timeout-ms", first)))
        .attempt(
            UpstreamAttempt.of(
                "flaky", "GET", "/", Map.of("x-envoy-expected-rq-timeout-ms", retry)))
        .build();
  }

  @Test
  void comparesTheFirstAttemptsAnnouncedTimeoutVerbatim() {
    DiffReport report =
        Differ.compare(
            "envoy",
            List.of(timeouts("15000", "14990")),
            "attache",
            List.of(timeouts("1000", "990")));

    assertThat(report.differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple("attempts[0].headers[x-envoy-expected-rq-timeout-ms]", "15000", "1000"));
  }

  @Test
  void acceptsARetrysAnnouncedTimeoutLoweredByTheTimeSpentButNotARaisedOne() {
    DiffReport lowered =
        Differ.compare(
            "envoy",
            List.of(timeouts("15000", "15000")),
            "attache",
            List.of(timeouts("15000", "14512")));
    DiffReport raised =
        Differ.compare(
            "envoy",
            List.of(timeouts("15000", "14990")),
            "attache",
            List.of(timeouts("15000", "15001")));

    assertThat(lowered.differences()).isEmpty();
    assertThat(raised.differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple(
                "attempts[1].headers[x-envoy-expected-rq-timeout-ms]",
                Differ.AT_MOST_FIRST,
                "15001"));
  }

  @Test
  void reportsAPresenceOnlyHeaderMissingOnOneSide() {
    Observation with =
        Observation.of("s", 0, "GET s /").header("x-envoy-upstream-service-time", "4").build();
    Observation without = Observation.of("s", 0, "GET s /").build();

    assertThat(Differ.compare("envoy", List.of(with), "attache", List.of(without)).differences())
        .extracting(Difference::field, Difference::left, Difference::right)
        .containsExactly(
            tuple("response.headers[x-envoy-upstream-service-time]", "<present>", "<absent>"));
  }

  @Test
  void reportsFactsAndObservationsOnlyOneSideHas() {
    Observation split =
        Observation.of("split", 0, "GET split / x1000")
            .status(200)
            .fact("v2 share", "within 15..25 %")
            .build();
    Observation skewed =
        Observation.of("split", 0, "GET split / x1000")
            .status(200)
            .fact("v2 share", "outside: 31.0 %")
            .build();
    Observation extra = Observation.of("split", 1, "GET split /").status(200).build();

    DiffReport report = Differ.compare("envoy", List.of(split, extra), "attache", List.of(skewed));

    assertThat(report.differences())
        .extracting(Difference::index, Difference::field, Difference::right)
        .containsExactly(
            tuple(0, "facts[v2 share]", "outside: 31.0 %"), tuple(1, "observation", "<absent>"));
  }
}
