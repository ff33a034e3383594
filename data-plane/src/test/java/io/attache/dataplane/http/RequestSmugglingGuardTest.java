package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every smuggling and malformed-framing vector, fed as raw bytes: each must be answered with the
 * exact status line, close the connection, and never reach the stream handler.
 */
class RequestSmugglingGuardTest {

  static final String BAD_REQUEST = "HTTP/1.1 400 Bad Request";
  static final String NOT_IMPLEMENTED = "HTTP/1.1 501 Not Implemented";

  static Stream<Arguments> refusedRequests() {
    return Stream.of(
        // --- Content-Length / Transfer-Encoding ---
        vector(
            "content length together with chunked",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            BAD_REQUEST),
        vector(
            "chunked together with content length, reversed order",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            BAD_REQUEST),
        vector("non numeric content length", post("Content-Length: abc\r\n"), BAD_REQUEST),
        vector("signed content length", post("Content-Length: +5\r\n"), BAD_REQUEST),
        vector("negative content length", post("Content-Length: -1\r\n"), BAD_REQUEST),
        vector(
            "comma listed identical content lengths",
            post("Content-Length: 5, 5\r\n"),
            BAD_REQUEST),
        vector(
            "comma listed content lengths without space",
            post("Content-Length: 5,5\r\n"),
            BAD_REQUEST),
        vector(
            "duplicate identical content length headers",
            post("Content-Length: 5\r\nContent-Length: 5\r\n"),
            BAD_REQUEST),
        vector(
            "duplicate differing content length headers",
            post("Content-Length: 5\r\nContent-Length: 6\r\n"),
            BAD_REQUEST),
        vector("empty content length", post("Content-Length:\r\n"), BAD_REQUEST),
        vector(
            "overflowing content length",
            post("Content-Length: 99999999999999999999\r\n"),
            BAD_REQUEST),
        vector("hex content length", post("Content-Length: 0x5\r\n"), BAD_REQUEST),
        vector(
            "chunked followed by identity",
            post("Transfer-Encoding: chunked, identity\r\n"),
            BAD_REQUEST),
        vector("xchunked", post("Transfer-Encoding: xchunked\r\n"), NOT_IMPLEMENTED),
        vector(
            "chunked applied twice in one header",
            post("Transfer-Encoding: chunked, chunked\r\n"),
            BAD_REQUEST),
        vector(
            "chunked applied twice in two headers",
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
            BAD_REQUEST),
        vector("identity only", post("Transfer-Encoding: identity\r\n"), NOT_IMPLEMENTED),
        vector("empty transfer encoding", post("Transfer-Encoding:\r\n"), BAD_REQUEST),
        vector("chunked with a parameter", post("Transfer-Encoding: chunked;q=1\r\n"), BAD_REQUEST),
        vector(
            "unsupported coding before chunked",
            post("Transfer-Encoding: gzip, chunked\r\n"),
            "HTTP/1.1 501 Not Implemented"),
        vector(
            "transfer encoding name with whitespace before colon",
            post("Transfer-Encoding : chunked\r\n"),
            BAD_REQUEST),
        vector(
            "chunked on a CONNECT",
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 501 Not Implemented"),
        // --- header syntax ---
        vector(
            "obs-fold continuation line",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
            BAD_REQUEST),
        vector(
            "obs-fold with a tab",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n",
            BAD_REQUEST),
        vector(
            "folded transfer encoding hiding chunked",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\nabc",
            BAD_REQUEST),
        vector(
            "whitespace between request line and first header",
            "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
            BAD_REQUEST),
        vector(
            "whitespace between name and colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", BAD_REQUEST),
        vector("tab between name and colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", BAD_REQUEST),
        vector("non tchar in header name", get("X(A): b\r\n"), BAD_REQUEST),
        vector("non ascii in header name", get("X-\u00e9: b\r\n"), BAD_REQUEST),
        vector("empty header name", get(": b\r\n"), BAD_REQUEST),
        vector("header line without colon", get("X-A b\r\n"), BAD_REQUEST),
        vector("NUL in header value", get("X-A: a\u0000b\r\n"), BAD_REQUEST),
        vector("control character in header value", get("X-A: a\u0001b\r\n"), BAD_REQUEST),
        vector("DEL in header value", get("X-A: a\u007fb\r\n"), BAD_REQUEST),
        vector("bare CR in header value", get("X-A: a\rb\r\n"), BAD_REQUEST),
        vector(
            "bare LF ending a header line",
            "GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n",
            BAD_REQUEST),
        vector("bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("bare LF ending the header section", "GET / HTTP/1.1\r\nHost: a\r\n\n", BAD_REQUEST),
        // --- request line ---
        vector(
            "HTTP/2.0 in an HTTP/1 request line",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported"),
        vector(
            "HTTP/3.0 in an HTTP/1 request line",
            "GET / HTTP/3.0\r\nHost: a\r\n\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported"),
        vector("malformed protocol name", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("lower case protocol name", "GET / http/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("two digit version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("double space before target", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("non tchar in method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("leading space before method", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("NUL before request line", "\u0000GET / HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("control byte in target", "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("relative target without slash", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector("asterisk target on GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", BAD_REQUEST),
        vector(
            "absolute target with userinfo",
            "GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n",
            BAD_REQUEST),
        vector(
            "absolute target with unknown scheme",
            "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
            BAD_REQUEST),
        vector(
            "HTTP/1.0 refused by default",
            "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
            "HTTP/1.1 426 Upgrade Required"),
        vector("HTTP/0.9 refused by default", "GET /\r\n\r\n", "HTTP/1.1 426 Upgrade Required"),
        // --- Host ---
        vector("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", BAD_REQUEST),
        vector("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", BAD_REQUEST),
        vector(
            "two identical Host headers",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            BAD_REQUEST),
        vector("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", BAD_REQUEST),
        vector("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", BAD_REQUEST),
        vector("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", BAD_REQUEST),
        vector("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", BAD_REQUEST),
        vector(
            "absolute target without Host on HTTP/1.1",
            "GET http://a/ HTTP/1.1\r\n\r\n",
            BAD_REQUEST));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedRequests")
  void refusesWithExactStatusClosesAndPassesNothingOn(
      String name, String raw, String expectedStatusLine) {
    FrontDoor door = new FrontDoor();

    door.send(raw);

    String out = door.output();
    assertThat(out).startsWith(expectedStatusLine + "\r\n");
    assertThat(out).containsIgnoringCase("connection: close\r\n");
    assertThat(door.channel.isOpen()).as("connection closed after the reply").isFalse();
    assertThat(door.handler.requests).as("nothing reached the stream handler").isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedRequests")
  void refusesTheSameWhenTheBytesArriveOneByOne(
      String name, String raw, String expectedStatusLine) {
    FrontDoor door = new FrontDoor();

    for (byte b : raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) {
      door.sendBytes(new byte[] {b});
    }

    assertThat(door.output()).startsWith(expectedStatusLine + "\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.requests).isEmpty();
  }

  /**
   * Chunked-body vectors: the head was valid, so the stream handler already has the request (the
   * proxy streams bodies). The broken body must never complete: the handler gets {@link
   * Http1RequestAborted} instead of a LastHttpContent, and the client gets the refusal.
   */
  static Stream<Arguments> refusedChunkedBodies() {
    return Stream.of(
        vector("non hex chunk size", chunked("zz\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector("empty chunk size", chunked("\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector(
            "chunk size with leading whitespace", chunked(" 5\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector("signed chunk size", chunked("+5\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector(
            "overflowing chunk size",
            chunked("fffffffffffffffff1\r\nhello\r\n0\r\n\r\n"),
            BAD_REQUEST),
        vector("chunk data without CRLF", chunked("5\r\nhelloX0\r\n\r\n"), BAD_REQUEST),
        vector("chunk data followed by bare LF", chunked("5\r\nhello\n0\r\n\r\n"), BAD_REQUEST),
        vector("chunk size line with bare LF", chunked("5\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector("chunk extension without name", chunked("5;\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector("chunk extension with bare LF", chunked("5;a=b\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector(
            "chunk extension with bare CR", chunked("5;a=b\rX\r\nhello\r\n0\r\n\r\n"), BAD_REQUEST),
        vector(
            "chunk extension with control byte",
            chunked("5;a=\"b\u0001\"\r\nhello\r\n0\r\n\r\n"),
            BAD_REQUEST),
        vector(
            "chunk extension with unterminated quote",
            chunked("5;a=\"b\r\nhello\r\n0\r\n\r\n"),
            BAD_REQUEST),
        vector(
            "chunk extension value that is not a token",
            chunked("5;a=b@c\r\nhello\r\n0\r\n\r\n"),
            BAD_REQUEST),
        vector("trailer with obs-fold", chunked("0\r\nX-T: a\r\n b\r\n\r\n"), BAD_REQUEST),
        vector("trailer with invalid name", chunked("0\r\nX(T): a\r\n\r\n"), BAD_REQUEST));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedChunkedBodies")
  void abortsABrokenChunkedBodyRefusesAndCloses(
      String name, String raw, String expectedStatusLine) {
    FrontDoor door = new FrontDoor();

    door.send(raw);

    assertThat(door.output()).startsWith(expectedStatusLine + "\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.bodies).as("the body never completed").isEmpty();
    assertThat(door.handler.events).singleElement().isInstanceOf(Http1RequestAborted.class);
    assertThat(((Http1RequestAborted) door.handler.events.get(0)).reason().status().code())
        .isEqualTo(400);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedChunkedBodies")
  void abortsABrokenChunkedBodyArrivingOneByteAtATime(
      String name, String raw, String expectedStatusLine) {
    FrontDoor door = new FrontDoor();

    for (byte b : raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) {
      door.sendBytes(new byte[] {b});
    }

    assertThat(door.output()).startsWith(expectedStatusLine + "\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.bodies).isEmpty();
  }

  private static Arguments vector(String name, String raw, String statusLine) {
    return Arguments.of(name, raw, statusLine);
  }

  private static String post(String framingHeaders) {
    return "POST / HTTP/1.1\r\nHost: a\r\n" + framingHeaders + "\r\nhello";
  }

  private static String get(String header) {
    return "GET / HTTP/1.1\r\nHost: a\r\n" + header + "\r\n";
  }

  private static String chunked(String body) {
    return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
  }
}
