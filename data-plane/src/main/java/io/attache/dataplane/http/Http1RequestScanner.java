package io.attache.dataplane.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A strict, byte-at-a-time reader of the HTTP/1.1 request framing (RFC 9112): request line, header
 * section, Content-Length or chunked body, chunk extensions and trailers. It decides where each
 * request ends on its own, so nothing that Netty's lenient decoder would repair (folded lines, bare
 * CR, ambiguous lengths) ever reaches it. It holds no bytes beyond the few header values that
 * decide framing, never blocks and is not thread-safe: one instance per connection, on its event
 * loop.
 */
final class Http1RequestScanner {

  /** What the byte just fed means to the caller. */
  enum Step {
    NEED_MORE,
    /** First byte of a request: the request-headers timer starts here. */
    MESSAGE_STARTED,
    /** Last byte of the header section: the timer stops; a bodiless request also ends here. */
    HEAD_COMPLETE,
    /** Last byte of a body (and trailers). */
    MESSAGE_COMPLETE,
    /** The request is refused; see {@link #rejection()}. Every later byte is refused too. */
    REJECTED
  }

  private enum State {
    IDLE,
    IDLE_CR,
    METHOD,
    TARGET,
    VERSION,
    REQUEST_LINE_LF,
    FIELD_START,
    FIELD_NAME,
    FIELD_VALUE,
    FIELD_VALUE_LF,
    SECTION_END_LF,
    FIXED_BODY,
    CHUNK_SIZE,
    CHUNK_EXT_BWS,
    CHUNK_EXT_NAME_START,
    CHUNK_EXT_NAME,
    CHUNK_EXT_AFTER_NAME,
    CHUNK_EXT_VALUE_START,
    CHUNK_EXT_TOKEN_VALUE,
    CHUNK_EXT_QUOTED,
    CHUNK_EXT_QUOTED_ESCAPE,
    CHUNK_EXT_AFTER_QUOTED,
    CHUNK_SIZE_LF,
    CHUNK_DATA,
    CHUNK_DATA_CR,
    CHUNK_DATA_LF,
    REJECTED
  }

  private enum FieldKind {
    OTHER,
    CONTENT_LENGTH,
    TRANSFER_ENCODING,
    HOST
  }

  private static final int MAX_VERSION_LENGTH = 8;
  private static final String CHUNKED = "chunked";

  private final Http1Limits limits;
  private final Http1Settings settings;

  private State state = State.IDLE;
  private RejectReason rejection;
  private boolean messageStarted;
  private boolean inTrailers;
  private int lineBytes;
  private final StringBuilder method = new StringBuilder();
  private final StringBuilder target = new StringBuilder();
  private final StringBuilder version = new StringBuilder();
  private int fieldCount;
  private int sectionBytes;
  private final StringBuilder fieldName = new StringBuilder();
  private final StringBuilder fieldValue = new StringBuilder();
  private FieldKind fieldKind = FieldKind.OTHER;
  private final List<String> contentLengths = new ArrayList<>(1);
  private final List<String> transferEncodings = new ArrayList<>(1);
  private final List<String> hosts = new ArrayList<>(1);
  private long remaining;
  private long chunkSize;
  private int chunkDigits;

  Http1RequestScanner(Http1Limits limits, Http1Settings settings) {
    this.limits = limits;
    this.settings = settings;
  }

  RejectReason rejection() {
    return rejection;
  }

  /** Body bytes the caller may skip in bulk with {@link #skipBody(long)}; 0 outside a body. */
  long bodyBytesPending() {
    return state == State.FIXED_BODY || state == State.CHUNK_DATA ? remaining : 0;
  }

  /** Consumes {@code n <= bodyBytesPending()} body bytes without looking at them. */
  Step skipBody(long n) {
    remaining -= n;
    if (remaining > 0) {
      return Step.NEED_MORE;
    }
    if (state == State.FIXED_BODY) {
      return completeMessage();
    }
    state = State.CHUNK_DATA_CR;
    return Step.NEED_MORE;
  }

  /** Refuses whatever is in progress (the header timer fired). */
  Step abandon(RejectReason reason) {
    return reject(reason);
  }

  Step next(byte value) {
    int b = value & 0xff;
    switch (state) {
      case IDLE:
        return startMessage(b);
      case IDLE_CR:
        if (b != '\n') {
          return reject(RejectReason.INVALID_LINE_ENDING);
        }
        state = State.IDLE;
        return countLineByte() ? Step.NEED_MORE : Step.REJECTED;
      case METHOD:
        return onMethod(b);
      case TARGET:
        return onTarget(b);
      case VERSION:
        return onVersion(b);
      case REQUEST_LINE_LF:
        return b == '\n' ? onRequestLine() : reject(RejectReason.INVALID_LINE_ENDING);
      case FIELD_START:
        return onFieldStart(b);
      case FIELD_NAME:
        return onFieldName(b);
      case FIELD_VALUE:
        return onFieldValue(b);
      case FIELD_VALUE_LF:
        return b == '\n' ? onFieldComplete() : reject(RejectReason.INVALID_LINE_ENDING);
      case SECTION_END_LF:
        if (b != '\n') {
          return reject(RejectReason.INVALID_LINE_ENDING);
        }
        return inTrailers ? completeMessage() : onHeadComplete();
      case FIXED_BODY:
      case CHUNK_DATA:
        return skipBody(1);
      case CHUNK_DATA_CR:
        if (b != '\r') {
          return reject(RejectReason.MISSING_CHUNK_CRLF);
        }
        state = State.CHUNK_DATA_LF;
        return Step.NEED_MORE;
      case CHUNK_DATA_LF:
        if (b != '\n') {
          return reject(RejectReason.MISSING_CHUNK_CRLF);
        }
        startChunkLine();
        return Step.NEED_MORE;
      case REJECTED:
        return Step.REJECTED;
      default:
        return onChunkLine(b);
    }
  }

  // ---- request line ----

  private Step startMessage(int b) {
    if (!messageStarted) {
      resetMessage();
      messageStarted = true;
      Step step = firstByte(b);
      return step == Step.NEED_MORE ? Step.MESSAGE_STARTED : step;
    }
    return firstByte(b);
  }

  private Step firstByte(int b) {
    if (b == '\r') {
      state = State.IDLE_CR;
      return countLineByte() ? Step.NEED_MORE : Step.REJECTED;
    }
    if (!HeaderValidation.isTchar(b)) {
      return reject(RejectReason.INVALID_METHOD);
    }
    state = State.METHOD;
    method.append((char) b);
    return countLineByte() ? Step.NEED_MORE : Step.REJECTED;
  }

  private Step onMethod(int b) {
    if (!countLineByte()) {
      return Step.REJECTED;
    }
    if (b == ' ') {
      state = State.TARGET;
    } else if (HeaderValidation.isTchar(b)) {
      method.append((char) b);
    } else {
      return reject(RejectReason.INVALID_METHOD);
    }
    return Step.NEED_MORE;
  }

  private Step onTarget(int b) {
    if (b == '\r') {
      // "GET /\r\n" is an HTTP/0.9 request: refused as Envoy refuses pre-1.1 versions by default.
      return reject(
          settings.acceptHttp10() ? RejectReason.INVALID_VERSION : RejectReason.LOW_VERSION);
    }
    if (!countLineByte()) {
      return Step.REJECTED;
    }
    if (b == ' ') {
      if (target.length() == 0) {
        return reject(RejectReason.INVALID_REQUEST_TARGET);
      }
      state = State.VERSION;
    } else if (b > 0x20 && b < 0x7f && b != '#') {
      target.append((char) b);
    } else {
      return reject(RejectReason.INVALID_REQUEST_TARGET);
    }
    return Step.NEED_MORE;
  }

  private Step onVersion(int b) {
    if (b == '\r') {
      state = State.REQUEST_LINE_LF;
      return Step.NEED_MORE;
    }
    if (!countLineByte()) {
      return Step.REJECTED;
    }
    if (version.length() == MAX_VERSION_LENGTH || b <= 0x20 || b >= 0x7f) {
      return reject(RejectReason.INVALID_VERSION);
    }
    version.append((char) b);
    return Step.NEED_MORE;
  }

  private boolean countLineByte() {
    if (++lineBytes > limits.maxInitialLineLength()) {
      reject(RejectReason.REQUEST_LINE_TOO_LONG);
      return false;
    }
    return true;
  }

  private Step onRequestLine() {
    if (version.length() != MAX_VERSION_LENGTH
        || version.charAt(0) != 'H'
        || version.charAt(1) != 'T'
        || version.charAt(2) != 'T'
        || version.charAt(3) != 'P'
        || version.charAt(4) != '/'
        || !isDigit(version.charAt(5))
        || version.charAt(6) != '.'
        || !isDigit(version.charAt(7))) {
      return reject(RejectReason.INVALID_VERSION);
    }
    if (version.charAt(5) != '1') {
      return reject(RejectReason.UNSUPPORTED_VERSION);
    }
    if (version.charAt(7) == '0' && !settings.acceptHttp10()) {
      return reject(RejectReason.LOW_VERSION);
    }
    state = State.FIELD_START;
    inTrailers = false;
    fieldCount = 0;
    sectionBytes = 0;
    return Step.NEED_MORE;
  }

  // ---- header and trailer fields ----

  private Step onFieldStart(int b) {
    if (b == '\r') {
      state = State.SECTION_END_LF;
      return Step.NEED_MORE;
    }
    if (b == ' ' || b == '\t') {
      // obs-fold, or whitespace between the start line and the first field: RFC 9112 §5.2, §2.2.
      return reject(RejectReason.OBSOLETE_LINE_FOLDING);
    }
    if (b == '\n') {
      return reject(RejectReason.INVALID_LINE_ENDING);
    }
    if (!HeaderValidation.isTchar(b)) {
      return reject(RejectReason.INVALID_HEADER_NAME);
    }
    if (++fieldCount > limits.maxHeadersCount()) {
      return reject(RejectReason.TOO_MANY_HEADERS);
    }
    fieldName.setLength(0);
    fieldValue.setLength(0);
    fieldName.append((char) b);
    state = State.FIELD_NAME;
    return countSectionByte();
  }

  private Step onFieldName(int b) {
    if (b == ':') {
      fieldKind = inTrailers ? FieldKind.OTHER : classify(fieldName);
      state = State.FIELD_VALUE;
      return countSectionByte();
    }
    if (b == ' ' || b == '\t') {
      return reject(RejectReason.WHITESPACE_BEFORE_COLON);
    }
    if (!HeaderValidation.isTchar(b)) {
      return reject(RejectReason.INVALID_HEADER_NAME);
    }
    fieldName.append((char) b);
    return countSectionByte();
  }

  private Step onFieldValue(int b) {
    if (b == '\r') {
      state = State.FIELD_VALUE_LF;
      return Step.NEED_MORE;
    }
    if (!HeaderValidation.isFieldValueByte(b)) {
      return reject(
          b == '\n' ? RejectReason.INVALID_LINE_ENDING : RejectReason.INVALID_HEADER_VALUE);
    }
    if (fieldKind != FieldKind.OTHER) {
      fieldValue.append((char) b);
    }
    return countSectionByte();
  }

  private Step countSectionByte() {
    if (++sectionBytes > limits.maxRequestHeadersBytes()) {
      return reject(RejectReason.HEADERS_TOO_LARGE);
    }
    return Step.NEED_MORE;
  }

  private Step onFieldComplete() {
    state = State.FIELD_START;
    if (settings.headersWithUnderscoresAction() == HeadersWithUnderscoresAction.REJECT_REQUEST
        && HeaderValidation.hasUnderscore(fieldName)) {
      return reject(RejectReason.UNDERSCORE_IN_HEADER_NAME);
    }
    switch (fieldKind) {
      case CONTENT_LENGTH -> contentLengths.add(trimOws(fieldValue));
      case TRANSFER_ENCODING -> transferEncodings.add(trimOws(fieldValue));
      case HOST -> hosts.add(trimOws(fieldValue));
      default -> {}
    }
    return Step.NEED_MORE;
  }

  /** Runs for every header field of every request, so it compares in place, allocating nothing. */
  private static FieldKind classify(CharSequence name) {
    return switch (name.length()) {
      case 4 -> equalsIgnoreAsciiCase(name, "host") ? FieldKind.HOST : FieldKind.OTHER;
      case 14 ->
          equalsIgnoreAsciiCase(name, "content-length")
              ? FieldKind.CONTENT_LENGTH
              : FieldKind.OTHER;
      case 17 ->
          equalsIgnoreAsciiCase(name, "transfer-encoding")
              ? FieldKind.TRANSFER_ENCODING
              : FieldKind.OTHER;
      default -> FieldKind.OTHER;
    };
  }

  /** {@code lowerCase} is ASCII lower case; field names are tchars, so ASCII folding is exact. */
  private static boolean equalsIgnoreAsciiCase(CharSequence name, String lowerCase) {
    for (int i = 0; i < lowerCase.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != lowerCase.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  // ---- end of head: the decisions that prevent smuggling ----

  private Step onHeadComplete() {
    boolean http10 = version.charAt(7) == '0';
    boolean connect = "CONNECT".contentEquals(method);
    RejectReason targetProblem = checkTarget(connect);
    if (targetProblem != null) {
      return reject(targetProblem);
    }
    RejectReason hostProblem = checkHost(http10);
    if (hostProblem != null) {
      return reject(hostProblem);
    }
    long contentLength = -1;
    if (contentLengths.size() > 1) {
      return reject(RejectReason.MULTIPLE_CONTENT_LENGTH);
    }
    if (contentLengths.size() == 1) {
      contentLength = parseContentLength(contentLengths.get(0));
      if (contentLength < 0) {
        return reject(RejectReason.INVALID_CONTENT_LENGTH);
      }
    }
    if (!transferEncodings.isEmpty()) {
      if (http10) {
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        return reject(RejectReason.TRANSFER_ENCODING_NOT_ALLOWED);
      }
      if (contentLength >= 0 && !settings.allowChunkedLength()) {
        return reject(RejectReason.CONTENT_LENGTH_AND_CHUNKED);
      }
      RejectReason codingProblem = checkTransferCodings();
      if (codingProblem != null) {
        return reject(codingProblem);
      }
      if (connect) {
        return reject(RejectReason.UNSUPPORTED_TRANSFER_ENCODING);
      }
      startChunkLine();
      return Step.HEAD_COMPLETE;
    }
    if (contentLength > 0) {
      state = State.FIXED_BODY;
      remaining = contentLength;
      return Step.HEAD_COMPLETE;
    }
    messageStarted = false;
    state = State.IDLE;
    return Step.HEAD_COMPLETE;
  }

  private RejectReason checkTarget(boolean connect) {
    if (!connect && target.charAt(0) == '/') {
      return null; // origin form, nearly every request: decided without copying the target
    }
    String t = target.toString();
    if (connect) {
      return isAuthority(t) && t.indexOf(':') > 0 ? null : RejectReason.INVALID_REQUEST_TARGET;
    }
    if (t.equals("*")) {
      return "OPTIONS".contentEquals(method) ? null : RejectReason.INVALID_REQUEST_TARGET;
    }
    String lower = t.toLowerCase(Locale.ROOT);
    int authorityStart;
    if (lower.startsWith("http://")) {
      authorityStart = 7;
    } else if (lower.startsWith("https://")) {
      authorityStart = 8;
    } else {
      return RejectReason.INVALID_REQUEST_TARGET;
    }
    int authorityEnd = t.length();
    for (int i = authorityStart; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '/' || c == '?') {
        authorityEnd = i;
        break;
      }
    }
    String authority = t.substring(authorityStart, authorityEnd);
    // userinfo ('@') in an http(s) target is an error (RFC 9110 §4.2.4).
    if (authority.isEmpty() || authority.indexOf('@') >= 0 || !isAuthority(authority)) {
      return RejectReason.INVALID_REQUEST_TARGET;
    }
    return settings.allowAbsoluteUrl() ? null : RejectReason.ABSOLUTE_URL_REJECTED;
  }

  private RejectReason checkHost(boolean http10) {
    if (hosts.size() > 1) {
      return RejectReason.MULTIPLE_HOST;
    }
    if (hosts.isEmpty()) {
      boolean defaulted = http10 && !settings.defaultHostForHttp10().isEmpty();
      boolean absolute = http10 && target.charAt(0) != '/' && !target.toString().equals("*");
      return defaulted || absolute ? null : RejectReason.MISSING_HOST;
    }
    String host = hosts.get(0);
    return !host.isEmpty() && isAuthority(host) ? null : RejectReason.INVALID_HOST;
  }

  /** uri-host [ ":" port ], loosely: the characters of reg-name, IPv4 and IP-literal. */
  private static boolean isAuthority(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || isDigit(c)
              || "-._~!$&'()*+,;=:[]%".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** 1*DIGIT and nothing else (no sign, no list, not even "5, 5"), or -1. */
  private static long parseContentLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!isDigit(c)) {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /**
   * A request that names chunked must end with it, applied once (RFC 9112 §6.3: else 400). Any
   * other coding is one this proxy does not implement: 501 (§6.1), also for a lone unknown coding
   * such as {@code xchunked}, as stock Envoy 1.40 answers (EdgeDifferentialIT).
   */
  private RejectReason checkTransferCodings() {
    List<String> codings = new ArrayList<>();
    for (String header : transferEncodings) {
      for (String element : header.split(",", -1)) {
        String coding = trimOws(element);
        if (!coding.isEmpty()) {
          codings.add(coding.toLowerCase(Locale.ROOT));
        }
      }
    }
    for (String coding : codings) {
      if (coding.startsWith(CHUNKED + ";")) {
        return RejectReason.CHUNKED_NOT_FINAL_ENCODING; // chunked takes no parameters
      }
    }
    int chunked = codings.indexOf(CHUNKED);
    if (codings.isEmpty() || (chunked >= 0 && chunked != codings.size() - 1)) {
      return RejectReason.CHUNKED_NOT_FINAL_ENCODING;
    }
    return codings.size() == 1 && chunked == 0 ? null : RejectReason.UNSUPPORTED_TRANSFER_ENCODING;
  }

  // ---- chunked body ----

  private void startChunkLine() {
    state = State.CHUNK_SIZE;
    chunkSize = 0;
    chunkDigits = 0;
    lineBytes = 0;
  }

  private Step onChunkLine(int b) {
    if (++lineBytes > limits.maxInitialLineLength()) {
      return reject(RejectReason.INVALID_CHUNK_EXTENSION);
    }
    boolean ws = b == ' ' || b == '\t';
    switch (state) {
      case CHUNK_SIZE -> {
        int digit = hexValue(b);
        if (digit >= 0) {
          if (chunkSize > (Long.MAX_VALUE >> 4)) {
            return reject(RejectReason.INVALID_CHUNK_SIZE);
          }
          chunkSize = (chunkSize << 4) | digit;
          chunkDigits++;
          return Step.NEED_MORE;
        }
        if (chunkDigits == 0) {
          return reject(RejectReason.INVALID_CHUNK_SIZE);
        }
        if (b == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (ws) {
          state = State.CHUNK_EXT_BWS;
        } else {
          return reject(RejectReason.INVALID_CHUNK_SIZE);
        }
      }
      case CHUNK_EXT_BWS -> {
        if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (!ws) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_NAME_START -> {
        if (HeaderValidation.isTchar(b)) {
          state = State.CHUNK_EXT_NAME;
        } else if (!ws) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_NAME -> {
        if (b == '=') {
          state = State.CHUNK_EXT_VALUE_START;
        } else if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (b == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else if (ws) {
          state = State.CHUNK_EXT_AFTER_NAME;
        } else if (!HeaderValidation.isTchar(b)) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_AFTER_NAME -> {
        if (b == '=') {
          state = State.CHUNK_EXT_VALUE_START;
        } else if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (!ws) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_VALUE_START -> {
        if (b == '"') {
          state = State.CHUNK_EXT_QUOTED;
        } else if (HeaderValidation.isTchar(b)) {
          state = State.CHUNK_EXT_TOKEN_VALUE;
        } else if (!ws) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_TOKEN_VALUE -> {
        if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (b == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else if (ws) {
          state = State.CHUNK_EXT_BWS;
        } else if (!HeaderValidation.isTchar(b)) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_QUOTED -> {
        if (b == '"') {
          state = State.CHUNK_EXT_AFTER_QUOTED;
        } else if (b == '\\') {
          state = State.CHUNK_EXT_QUOTED_ESCAPE;
        } else if (!HeaderValidation.isFieldValueByte(b)) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_EXT_QUOTED_ESCAPE -> {
        if (!HeaderValidation.isFieldValueByte(b)) {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
        state = State.CHUNK_EXT_QUOTED;
      }
      case CHUNK_EXT_AFTER_QUOTED -> {
        if (b == ';') {
          state = State.CHUNK_EXT_NAME_START;
        } else if (b == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else if (ws) {
          state = State.CHUNK_EXT_BWS;
        } else {
          return reject(RejectReason.INVALID_CHUNK_EXTENSION);
        }
      }
      case CHUNK_SIZE_LF -> {
        if (b != '\n') {
          return reject(RejectReason.INVALID_LINE_ENDING);
        }
        if (chunkSize == 0) {
          state = State.FIELD_START;
          inTrailers = true;
          fieldCount = 0;
          sectionBytes = 0;
        } else {
          state = State.CHUNK_DATA;
          remaining = chunkSize;
        }
      }
      default -> throw new IllegalStateException("not a chunk line state: " + state);
    }
    return Step.NEED_MORE;
  }

  // ---- bookkeeping ----

  private Step completeMessage() {
    messageStarted = false;
    state = State.IDLE;
    return Step.MESSAGE_COMPLETE;
  }

  private Step reject(RejectReason reason) {
    if (rejection == null) {
      rejection = reason;
    }
    state = State.REJECTED;
    return Step.REJECTED;
  }

  private void resetMessage() {
    method.setLength(0);
    target.setLength(0);
    version.setLength(0);
    contentLengths.clear();
    transferEncodings.clear();
    hosts.clear();
    lineBytes = 0;
    inTrailers = false;
  }

  private static int hexValue(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static String trimOws(CharSequence s) {
    int start = 0;
    int end = s.length();
    while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    return s.subSequence(start, end).toString();
  }
}
