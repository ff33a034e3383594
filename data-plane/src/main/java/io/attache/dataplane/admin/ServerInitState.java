package io.attache.dataplane.admin;

/**
 * Where the proxy's startup stands, as Envoy's {@code Init::Manager::State}: nothing started,
 * waiting for the first xDS resources (warming), or everything initialised.
 */
public enum ServerInitState {
  PRE_INITIALIZING,
  INITIALIZING,
  INITIALIZED
}
