package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * The errors Jetty answers itself, before a request reaches the API — a request line or headers too
 * long (414, 431), a message it cannot parse (400) — in the API's error shape, {@code
 * {"error","field","message"}}, instead of Jetty's HTML page. Says nothing of the server or its
 * internals.
 */
final class JsonErrorPages extends ErrorHandler {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The API's error name for an HTTP status, as in docs/rest-api.md. */
  static String errorName(int status) {
    return switch (status) {
      case 400 -> "invalid_argument";
      case 401 -> "unauthenticated";
      case 403 -> "permission_denied";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 409 -> "conflict";
      case 412 -> "precondition_failed";
      case 413 -> "content_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "request_header_fields_too_large";
      case 500 -> "internal";
      case 503 -> "unavailable";
      default -> {
        String reason = HttpStatus.getMessage(status);
        yield reason == null
            ? "http_" + status
            : reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
      }
    };
  }

  static String body(int status, String field, String message) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("error", errorName(status));
    body.put("field", field);
    body.put("message", message);
    try {
      return MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
    return ByteBuffer.wrap(
        body(status, "", describe(status, reason)).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  protected void generateAcceptableResponse(
      Request baseRequest,
      HttpServletRequest request,
      HttpServletResponse response,
      int code,
      String message)
      throws IOException {
    baseRequest.setHandled(true);
    response.setContentType("application/json");
    response.getWriter().write(body(code, "", describe(code, message)));
  }

  /** Jetty's reason when it is a plain phrase ("Illegal character ..."), never a class name. */
  private static String detail(String reason) {
    if (reason == null
        || reason.isBlank()
        || reason.contains("xception")
        || reason.contains("java")
        || reason.length() > 80) {
      return "";
    }
    return ": " + reason.toLowerCase(Locale.ROOT);
  }

  private static String describe(int status, String reason) {
    return switch (status) {
      case 414 -> "the request line is longer than this API reads";
      case 431 -> "the request headers are larger than this API reads";
      case 400 -> "the request is not valid HTTP" + detail(reason);
      default -> {
        String text = HttpStatus.getMessage(status);
        yield text == null ? "HTTP " + status : text;
      }
    };
  }
}
