package io.attache.controlplane.differential;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one client request of a scenario observed, from both ends: the status, body and selected
 * response headers the client got, and every attempt the upstreams received for it, in order.
 * {@code facts} carries what a scenario derives from a sample rather than from one request (the
 * share of a weighted split, the attempts an ejected host saw), where per-request values are
 * legitimately random. Values are raw; comparing them is the {@link Differ}'s job, never this
 * record's.
 *
 * @param request a readable label of what the client sent, e.g. {@code GET web /api/orders}
 */
public record Observation(
    String scenario,
    int index,
    String request,
    int status,
    String body,
    SortedMap<String, String> responseHeaders,
    List<UpstreamAttempt> attempts,
    SortedMap<String, String> facts) {

  public Observation {
    responseHeaders = Collections.unmodifiableSortedMap(new TreeMap<>(responseHeaders));
    attempts = List.copyOf(attempts);
    facts = Collections.unmodifiableSortedMap(new TreeMap<>(facts));
  }

  public static Builder of(String scenario, int index, String request) {
    return new Builder(scenario, index, request);
  }

  /** Builds observations by hand: a scenario's expected Envoy behaviour, and tests. */
  public static final class Builder {
    private final String scenario;
    private final int index;
    private final String request;
    private int status;
    private String body = "";
    private final SortedMap<String, String> responseHeaders = new TreeMap<>();
    private final List<UpstreamAttempt> attempts = new ArrayList<>();
    private final SortedMap<String, String> facts = new TreeMap<>();

    private Builder(String scenario, int index, String request) {
      this.scenario = scenario;
      this.index = index;
      this.request = request;
    }

    public Builder status(int value) {
      status = value;
      return this;
    }

    public Builder body(String value) {
      body = value;
      return this;
    }

    public Builder header(String name, String value) {
      responseHeaders.put(name, value);
      return this;
    }

    public Builder attempt(UpstreamAttempt value) {
      attempts.add(value);
      return this;
    }

    public Builder attempts(List<UpstreamAttempt> values) {
      attempts.addAll(values);
      return this;
    }

    public Builder fact(String name, String value) {
      facts.put(name, value);
      return this;
    }

    public Observation build() {
      return new Observation(
          scenario, index, request, status, body, responseHeaders, attempts, facts);
    }
  }
}
