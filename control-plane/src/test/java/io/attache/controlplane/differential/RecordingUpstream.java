package io.attache.controlplane.differential;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/1.1 upstream on 127.0.0.1 that records every request it receives (method, path and
 * the headers a data plane adds or forwards: {@code host}, {@code idempotency-key} and every {@code
 * x-*}) into its scenario's {@link UpstreamLog}, and answers with the statuses the scenario
 * scripted, its role as the body and fixed extra response headers. Keep-alive, one thread per
 * connection, each response written in one piece with TCP_NODELAY (the JDK's HttpServer writes head
 * and body separately, which costs a delayed ACK — 40 ms — per request). Must never decide routing
 * or retries itself: it only answers and records.
 */
final class RecordingUpstream implements AutoCloseable {

  /** The longest a held request waits for {@link #release()}. */
  static final java.time.Duration HOLD_LIMIT = java.time.Duration.ofSeconds(30);

  private final String role;
  private final UpstreamLog log;
  private final ServerSocket server;
  private final ExecutorService connections = Executors.newCachedThreadPool();
  private final Map<String, String> responseHeaders = new TreeMap<>();
  private final Deque<Integer> nextStatuses = new ArrayDeque<>();
  private int status = 200;
  private int requestsToHold;
  private CountDownLatch released = new CountDownLatch(0);

  RecordingUpstream(String role, UpstreamLog log) throws IOException {
    this.role = role;
    this.log = log;
    this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    connections.execute(this::accept);
  }

  String role() {
    return role;
  }

  int port() {
    return server.getLocalPort();
  }

  /** Adds a header to every response (for the response header mutation scenario). */
  synchronized RecordingUpstream withResponseHeader(String name, String value) {
    responseHeaders.put(name, value);
    return this;
  }

  /** Answers {@code status} from now on. */
  synchronized void answer(int value) {
    nextStatuses.clear();
    status = value;
  }

  /** Answers these statuses to the next requests, one each, then {@code thereafter}. */
  synchronized void answerInTurn(int thereafter, int... first) {
    answer(thereafter);
    for (int s : first) {
      nextStatuses.add(s);
    }
  }

  /**
   * Holds the next {@code count} requests without answering them until {@link #release()} (at most
   * {@link #HOLD_LIMIT}): a request in flight for the circuit-breaker scenario, a silent upstream
   * for the per-try timeout.
   */
  synchronized void hold(int count) {
    released.countDown();
    requestsToHold = count;
    released = new CountDownLatch(1);
  }

  /** Answers every held request (a data plane that gave up on one finds its connection closed). */
  synchronized void release() {
    requestsToHold = 0;
    released.countDown();
  }

  /** The latch to wait on when this request is one to hold, else null. */
  private synchronized CountDownLatch holdThisRequest() {
    if (requestsToHold == 0) {
      return null;
    }
    requestsToHold--;
    return released;
  }

  private synchronized int nextStatus() {
    Integer next = nextStatuses.poll();
    return next == null ? status : next;
  }

  private synchronized Map<String, String> fixedResponseHeaders() {
    return Map.copyOf(responseHeaders);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        socket.setTcpNoDelay(true);
        connections.execute(() -> serve(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (String head = readHead(in); head != null; head = readHead(in)) {
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> recorded = new TreeMap<>();
        long contentLength = 0;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = lines[i].substring(colon + 1).trim();
          if (name.equals("content-length")) {
            contentLength = Long.parseLong(value);
          } else if (name.equals("transfer-encoding")) {
            chunked = value.equalsIgnoreCase("chunked");
          }
          if (name.equals("host") || name.equals("idempotency-key") || name.startsWith("x-")) {
            recorded.merge(name, value, (a, b) -> a + "," + b);
          }
        }
        skipBody(in, contentLength, chunked);
        String path = requestLine[1];
        int query = path.indexOf('?');
        log.add(
            UpstreamAttempt.of(
                role, requestLine[0], query < 0 ? path : path.substring(0, query), recorded));
        CountDownLatch hold = holdThisRequest();
        if (hold != null && !hold.await(HOLD_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
        out.write(response(nextStatus()));
        out.flush();
      }
    } catch (SocketException reset) {
      // the data plane closed the connection: nothing left to record
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private byte[] response(int answer) {
    byte[] body = role.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("HTTP/1.1 " + answer + " Scripted\r\n");
    fixedResponseHeaders().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("content-type: text/plain\r\ncontent-length: ")
        .append(body.length)
        .append("\r\n\r\n");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
    bytes.writeBytes(body);
    return bytes.toByteArray();
  }

  /** The request head without its final CRLFCRLF, or null at a clean end of the connection. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    for (int b = in.read(); b >= 0; b = in.read()) {
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
      }
    }
    return null;
  }

  private static void skipBody(InputStream in, long contentLength, boolean chunked)
      throws IOException {
    if (!chunked) {
      in.skipNBytes(contentLength);
      return;
    }
    while (true) {
      String sizeLine = readLine(in);
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        return;
      }
      in.skipNBytes(size);
      readLine(in);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    release();
    try {
      server.close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    connections.shutdownNow();
  }
}
