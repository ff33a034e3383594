package io.attache.controlplane.rest;

import io.attache.controlplane.policy.PolicyRejection;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request body, never more than {@link #MAX_BYTES} of it: a larger one is refused (413)
 * whether it declares its length or comes chunked, before it is held in memory whole (Javalin's own
 * limit looks at Content-Length only). The text must be UTF-8 without a byte order mark, as RFC
 * 8259 wants of JSON; YAML bodies are held to the same.
 */
final class RequestBodies {

  /** 1 MiB: far above any policy resource or raw Envoy resource an operator writes by hand. */
  static final int MAX_BYTES = 1024 * 1024;

  private RequestBodies() {}

  /** The body as text, strictly UTF-8; empty when there is none. */
  static String text(Context ctx) throws PolicyRejection {
    byte[] body = read(ctx);
    if (body.length >= 3
        && (body[0] & 0xff) == 0xef
        && (body[1] & 0xff) == 0xbb
        && (body[2] & 0xff) == 0xbf) {
      throw invalid("the body starts with a byte order mark, which JSON does not allow");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid("the body is not valid UTF-8");
    }
  }

  private static byte[] read(Context ctx) throws PolicyRejection {
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

  private static PolicyRejection invalid(String message) {
    return new PolicyRejection(PolicyRejection.Reason.INVALID, "", message);
  }

  private static PolicyRejection tooLarge() {
    return new PolicyRejection(
        PolicyRejection.Reason.CONTENT_TOO_LARGE,
        "",
        "the body is larger than " + MAX_BYTES + " bytes, the most this API reads");
  }
}
