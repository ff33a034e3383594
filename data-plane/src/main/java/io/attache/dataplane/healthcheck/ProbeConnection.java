package io.attache.dataplane.healthcheck;

import io.netty.channel.Channel;
import java.util.function.Consumer;

/**
 * What every probe connection keeps: the socket it may reuse, the one check in flight, and whether
 * it was closed for good — with the exactly-once completion, abort and close rules that go with
 * them. Subclasses only open sockets and read answers; state changes happen under {@code this}.
 */
abstract class ProbeConnection implements HealthProbe.Connection {
  Channel channel;
  Consumer<ProbeOutcome> inFlight;
  boolean closed;

  /** Reports the check in flight, once; a late or aborted check reports nothing. */
  void complete(ProbeOutcome outcome) {
    Consumer<ProbeOutcome> done;
    synchronized (this) {
      done = inFlight;
      inFlight = null;
    }
    if (done != null) {
      done.accept(outcome);
    }
  }

  @Override
  public void abort() {
    Channel ch;
    synchronized (this) {
      inFlight = null;
      ch = channel;
      channel = null;
    }
    if (ch != null) {
      ch.close();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    abort();
  }
}
