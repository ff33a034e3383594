package io.attache.controlplane.rest;

import io.attache.controlplane.policy.PolicyRejection;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads a request body, never more than {@link #MAX_BYTES} of it: a larger one is refused (413)
 * whether it declares its length or comes chunked, before it is held in memory whole. Javalin's own
 * limit looks at Content-Length only.
 */
final class RequestBodies {

  /** 1 MiB: far above any policy resource or raw Envoy resource an operator writes by hand. */
  static final int MAX_BYTES = 1024 * 1024;

  private RequestBodies() {}

  static byte[] read(Context ctx) throws PolicyRejection {
    if (ctx.req().getContentLengthLong() > MAX_BYTES) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(MAX_BYTES + 1);
      if (body.length > MAX_BYTES) {
        throw tooLarge();
      }
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the request body", e);
    }
  }

  private static PolicyRejection tooLarge() {
    return new PolicyRejection(
        PolicyRejection.Reason.CONTENT_TOO_LARGE,
        "",
        "the body is larger than " + MAX_BYTES + " bytes, the most this API reads");
  }
}
