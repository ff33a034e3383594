package io.attache.controlplane.policy;

/**
 * A request the policy editor refused; nothing was stored. The reason maps one to one onto an HTTP
 * status, and field names the offending field's path (empty when the whole request is at fault).
 */
public final class PolicyRejection extends Exception {

  /** Why a request was refused. */
  public enum Reason {
    /** The body breaks a rule (400). */
    INVALID,
    /** No such resource or revision (404). */
    NOT_FOUND,
    /** Valid on its own, but clashes with the rest of the policy (409). */
    CONFLICT,
    /** If-Match / If-None-Match did not hold (412). */
    PRECONDITION_FAILED,
    /** The body is not application/json (415). */
    UNSUPPORTED_MEDIA_TYPE,
    /** The body is larger than the API reads (413). */
    CONTENT_TOO_LARGE
  }

  private final Reason reason;
  private final String field;

  public PolicyRejection(Reason reason, String field, String message) {
    super(message);
    this.reason = reason;
    this.field = field;
  }

  public Reason reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}
