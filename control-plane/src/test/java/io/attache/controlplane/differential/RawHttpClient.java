package io.attache.controlplane.differential;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One HTTP/1.1 request per connection over a plain socket, so the test controls the Host header
 * (java.net.http forbids it) and sees the response headers exactly as sent. Keeps {@code
 * content-type}, {@code server}, {@code date} and every {@code x-*} response header. Bounded by
 * socket timeouts; must never retry anything itself.
 */
final class RawHttpClient {

  private RawHttpClient() {}

  static ClientResponse send(int port, ClientRequest request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(20_000);
      StringBuilder head =
          new StringBuilder(
              request.method()
                  + " "
                  + request.path()
                  + " HTTP/1.1\r\nHost: "
                  + request.host()
                  + "\r\n");
      for (int i = 0; i < request.headers().size(); i += 2) {
        head.append(request.headers().get(i))
            .append(": ")
            .append(request.headers().get(i + 1))
            .append("\r\n");
      }
      head.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return parse(socket.getInputStream().readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ClientResponse parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IllegalStateException("no complete response head: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    SortedMap<String, String> headers = new TreeMap<>();
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      if (name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
        chunked = true;
      }
      if (name.equals("content-type")
          || name.equals("server")
          || name.equals("date")
          || name.startsWith("x-")) {
        headers.merge(name, value, (a, b) -> a + "," + b);
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    return new ClientResponse(
        status, headers, new String(chunked ? dechunk(body) : body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int lineEnd = indexOfCrlf(body, at);
      String sizeText = new String(body, at, lineEnd - at, StandardCharsets.US_ASCII);
      int size = Integer.parseInt(sizeText.split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.write(body, lineEnd + 2, size);
      at = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOfCrlf(byte[] bytes, int from) {
    for (int i = from; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return i;
      }
    }
    throw new IllegalStateException("truncated chunked body");
  }
}
