package io.attache.dataplane.healthcheck;

import io.attache.dataplane.upstream.host.Host;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A HealthProbe for tests: records every check per host and completes it only when the test says
 * so; also records aborts and closes. Its description is the whole record.
 */
final class FakeProbe implements HealthProbe {
  private final Map<String, Consumer<ProbeOutcome>> inFlight = new HashMap<>();
  private final List<String> events = new ArrayList<>();

  @Override
  public synchronized Connection connect(Host host) {
    String name = host.addressString();
    return new Connection() {
      @Override
      public void check(Consumer<ProbeOutcome> done) {
        synchronized (FakeProbe.this) {
          events.add("check " + name);
          inFlight.put(name, done);
        }
      }

      @Override
      public void abort() {
        synchronized (FakeProbe.this) {
          events.add("abort " + name);
          inFlight.remove(name);
        }
      }

      @Override
      public void close() {
        synchronized (FakeProbe.this) {
          events.add("close " + name);
          inFlight.remove(name);
        }
      }
    };
  }

  /** Completes the check in flight on {@code address} (e.g. {@code 10.0.0.1:8080}). */
  void complete(String address, ProbeOutcome outcome) {
    Consumer<ProbeOutcome> done;
    synchronized (this) {
      done = inFlight.remove(address);
      events.add(outcome + " " + address);
    }
    if (done == null) {
      throw new AssertionError("no check in flight on " + address + ": " + this);
    }
    done.accept(outcome);
  }

  synchronized boolean inFlight(String address) {
    return inFlight.containsKey(address);
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  @Override
  public synchronized String toString() {
    return "FakeProbe" + events;
  }
}
