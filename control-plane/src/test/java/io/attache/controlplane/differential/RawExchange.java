package io.attache.controlplane.differential;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes raw bytes to a listener on one fresh connection and reads back exactly one HTTP/1.1
 * response (framed by content-length, chunked encoding or the end of the connection), keeping every
 * response header. Raw so both data planes get the very same bytes, malformed ones included. The
 * socket timeout bounds every read; it never retries and never sends more than it was given.
 */
final class RawExchange {

  /** How long a read may wait: well past every timeout a scenario configures. */
  static final int READ_TIMEOUT_MS = 15_000;

  /** Status when the data plane closed the connection without answering. */
  static final int NO_RESPONSE = 0;

  private RawExchange() {}

  static ClientResponse send(int port, byte[] request, boolean headRequest) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(READ_TIMEOUT_MS);
      socket.setTcpNoDelay(true);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return read(new BufferedInputStream(socket.getInputStream()), headRequest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static ClientResponse read(InputStream in, boolean headRequest) throws IOException {
    String head;
    try {
      head = readHead(in);
    } catch (SocketTimeoutException e) {
      return new ClientResponse(NO_RESPONSE, new TreeMap<>(), "<no response in time>");
    }
    if (head == null) {
      return new ClientResponse(NO_RESPONSE, new TreeMap<>(), "<connection closed>");
    }
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    SortedMap<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.merge(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim(),
          (a, b) -> a + "," + b);
    }
    byte[] body;
    if (headRequest || status == 204 || status == 304 || status / 100 == 1) {
      body = new byte[0];
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = readChunked(in);
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else {
      body = in.readAllBytes();
    }
    return new ClientResponse(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /** The response head without its final CRLFCRLF, or null when the connection ended first. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    try {
      for (int b = in.read(); b >= 0; b = in.read()) {
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched == 4) {
          String text = head.toString(StandardCharsets.ISO_8859_1);
          return text.substring(0, text.length() - 4);
        }
      }
    } catch (java.net.SocketException reset) {
      return null;
    }
    return null;
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        return out.toByteArray();
      }
      out.writeBytes(in.readNBytes(size));
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
}
