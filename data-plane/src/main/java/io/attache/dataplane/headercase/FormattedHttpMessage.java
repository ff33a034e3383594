package io.attache.dataplane.headercase;

/**
 * A request or response that carries the stateful formatter made when it was read, so that the
 * codec which writes it on the other side of the proxy formats its header names (Envoy attaches the
 * formatter to the header map for the same reason).
 */
public interface FormattedHttpMessage {
  KeyFormatter keyFormatter();
}
