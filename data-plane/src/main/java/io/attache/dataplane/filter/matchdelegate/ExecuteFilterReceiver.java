package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.HttpFilterFactory;

/**
 * A wrapped filter that takes the match tree's {@code ExecuteFilterAction} (Envoy's {@code
 * onMatchCallback}): the composite filter. Called at most once per stream, on its event loop.
 */
interface ExecuteFilterReceiver {
  /** The matched action's filter, to create for this stream and run in the receiver's place. */
  void execute(HttpFilterFactory filter);
}
