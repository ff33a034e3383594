package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.http.Http1RequestScanner.Step;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scanner's steps, byte by byte: where messages start, where heads and bodies end. */
class Http1RequestScannerTest {

  private final Http1RequestScanner scanner =
      new Http1RequestScanner(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS);

  /** The non-NEED_MORE steps, each with the offset of the byte that produced it. */
  private List<String> feed(String raw) {
    List<String> steps = new ArrayList<>();
    byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < bytes.length; i++) {
      Step step = scanner.next(bytes[i]);
      if (step != Step.NEED_MORE) {
        steps.add(step + "@" + i);
      }
    }
    return steps;
  }

  @Test
  void marksStartAndEndOfABodilessRequest() {
    String raw = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    assertThat(feed(raw))
        .containsExactly("MESSAGE_STARTED@0", "HEAD_COMPLETE@" + (raw.length() - 1));
  }

  @Test
  void findsTheEndOfAContentLengthBody() {
    String head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";

    assertThat(feed(head + "abcGET"))
        .containsExactly(
            "MESSAGE_STARTED@0",
            "HEAD_COMPLETE@" + (head.length() - 1),
            "MESSAGE_COMPLETE@" + (head.length() + 2),
            "MESSAGE_STARTED@" + (head.length() + 3));
  }

  @Test
  void findsTheEndOfAChunkedBodyWithTrailers() {
    String head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    String body = "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";

    assertThat(feed(head + body))
        .containsExactly(
            "MESSAGE_STARTED@0",
            "HEAD_COMPLETE@" + (head.length() - 1),
            "MESSAGE_COMPLETE@" + (head.length() + body.length() - 1));
  }

  @Test
  void skipsBodyBytesInBulk() {
    feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");

    assertThat(scanner.bodyBytesPending()).isEqualTo(10);
    assertThat(scanner.skipBody(4)).isEqualTo(Step.NEED_MORE);
    assertThat(scanner.bodyBytesPending()).isEqualTo(6);
    assertThat(scanner.skipBody(6)).isEqualTo(Step.MESSAGE_COMPLETE);
    assertThat(scanner.bodyBytesPending()).isZero();
  }

  @Test
  void staysRejectedOnceItHasRejected() {
    assertThat(feed("GET / HTTP/1.1\r\nHost : a\r\n")).contains("REJECTED@20");

    assertThat(scanner.rejection()).isEqualTo(RejectReason.WHITESPACE_BEFORE_COLON);
    assertThat(scanner.next((byte) 'G')).isEqualTo(Step.REJECTED);
  }

  @Test
  void namesTheReasonForEachKindOfFramingConflict() {
    assertThat(
            reasonFor(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
        .isEqualTo(RejectReason.CONTENT_LENGTH_AND_CHUNKED);
    assertThat(
            reasonFor(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"))
        .isEqualTo(RejectReason.MULTIPLE_CONTENT_LENGTH);
    assertThat(reasonFor("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n"))
        .isEqualTo(RejectReason.INVALID_CONTENT_LENGTH);
    assertThat(reasonFor("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"))
        .isEqualTo(RejectReason.CHUNKED_NOT_FINAL_ENCODING);
    assertThat(reasonFor("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))
        .isEqualTo(RejectReason.UNSUPPORTED_TRANSFER_ENCODING);
    assertThat(reasonFor("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"))
        .as("a lone unknown coding: 501, as stock Envoy 1.40 answers")
        .isEqualTo(RejectReason.UNSUPPORTED_TRANSFER_ENCODING);
    assertThat(
            reasonFor("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"))
        .isEqualTo(RejectReason.CHUNKED_NOT_FINAL_ENCODING);
    assertThat(reasonFor("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n"))
        .isEqualTo(RejectReason.OBSOLETE_LINE_FOLDING);
    assertThat(reasonFor("GET / HTTP/2.0\r\n")).isEqualTo(RejectReason.UNSUPPORTED_VERSION);
  }

  @Test
  void acceptsTransferEncodingCaseInsensitivelyAndIgnoresEmptyListElements() {
    assertThat(feed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , CHUNKED \r\n\r\n0\r\n\r\n"))
        .doesNotContain("REJECTED");
    assertThat(scanner.rejection()).isNull();
  }

  private RejectReason reasonFor(String raw) {
    Http1RequestScanner fresh =
        new Http1RequestScanner(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS);
    for (byte b : raw.getBytes(StandardCharsets.ISO_8859_1)) {
      if (fresh.next(b) == Step.REJECTED) {
        break;
      }
    }
    return fresh.rejection();
  }
}
