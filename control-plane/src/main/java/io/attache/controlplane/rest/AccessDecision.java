package io.attache.controlplane.rest;

/** The admin API's answer to "may this caller make this request", decided before any handler. */
public enum AccessDecision {
  ALLOWED,
  /** No bearer token, or one that is not in the token file: 401. */
  UNAUTHENTICATED,
  /** A valid token whose role does not allow the method: 403. */
  FORBIDDEN
}
