package io.attache.dataplane.admin;

/**
 * One admin reply, built before anything is written. {@code afterSent} runs once the reply has been
 * flushed (how {@code /quitquitquit} answers before the proxy goes away).
 */
record AdminResponse(int status, String contentType, String body, Runnable afterSent) {
  static final String TEXT = "text/plain; charset=UTF-8";
  static final String JSON = "application/json";
  static final String HTML = "text/html; charset=UTF-8";

  static AdminResponse text(int status, String body) {
    return new AdminResponse(status, TEXT, body, () -> {});
  }

  static AdminResponse json(String body) {
    return new AdminResponse(200, JSON, body, () -> {});
  }

  static AdminResponse html(String body) {
    return new AdminResponse(200, HTML, body, () -> {});
  }

  AdminResponse then(Runnable action) {
    return new AdminResponse(status, contentType, body, action);
  }
}
