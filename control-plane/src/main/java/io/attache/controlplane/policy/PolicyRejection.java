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
    CONTENT_TOO_LARGE,
    /** The store could not take the write now; nothing was stored, retry later (503). */
    UNAVAILABLE
  }

  private final Reason reason;
  private final String field;
  private final java.util.List<io.attache.controlplane.validate.Violation> others;

  public PolicyRejection(Reason reason, String field, String message) {
    this(reason, field, message, java.util.List.of());
  }

  /**
   * {@code others}: every further rule the same request broke, so a declarative set is corrected in
   * one round instead of one error per try.
   */
  public PolicyRejection(
      Reason reason,
      String field,
      String message,
      java.util.List<io.attache.controlplane.validate.Violation> others) {
    super(message);
    this.reason = reason;
    this.field = field;
    this.others = java.util.List.copyOf(others);
  }

  private int line;

  public java.util.List<io.attache.controlplane.validate.Violation> others() {
    return others;
  }

  /** The line of the request body the field is on, when the body was a document; 0 if unknown. */
  public int line() {
    return line;
  }

  /** The same rejection, pointing at a line of the request body. */
  public PolicyRejection atLine(int bodyLine) {
    PolicyRejection located = new PolicyRejection(reason, field, getMessage(), others);
    located.line = bodyLine;
    return located;
  }

  public Reason reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}
