package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The front door on a real loopback socket, driven by a raw {@link Socket} writing byte-exact
 * requests. Every read is bounded by a socket timeout and every loop by a byte count.
 */
class Http1FrontDoorIT {
  private static final int READ_TIMEOUT_MS = 5000;
  private static final int MAX_RESPONSE_BYTES = 64 * 1024;

  private EventLoopGroup group;
  private Channel server;
  private final StatsStore stats = new StatsStore();

  private int start(Http1Limits limits, Http1Settings settings) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Http1ServerCodecFactory factory =
        new Http1ServerCodecFactory(new Http1ServerConfig("it", limits, settings), stats);
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    factory.install(ch.pipeline());
                    ch.pipeline().addLast(new RecordingStreamHandler(true));
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sync()
            .channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private int start() throws InterruptedException {
    return start(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.close().sync();
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void refusesContentLengthWithChunkedAndClosesTheSocket() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write(
          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");

      Response response = client.readResponse();
      assertThat(response.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
      assertThat(response.body()).isEqualTo("Bad Request");
      assertThat(client.isClosedByServer()).isTrue();
    }
    assertThat(stats.counter("http.it.downstream_cx_protocol_error").value()).isEqualTo(1);
  }

  @Test
  void refusesAnObsFoldAndClosesTheSocket() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\n");

      assertThat(client.readResponse().statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
      assertThat(client.isClosedByServer()).isTrue();
    }
  }

  @Test
  void refusesHttp2VersionInAnHttp1RequestLineWith505() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write("GET / HTTP/2.0\r\nHost: a\r\n\r\n");

      assertThat(client.readResponse().statusLine())
          .isEqualTo("HTTP/1.1 505 HTTP Version Not Supported");
      assertThat(client.isClosedByServer()).isTrue();
    }
  }

  @Test
  void answersPipelinedRequestsInOrder() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write(
          "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
              + "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
              + "POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nxy");

      assertThat(client.readResponse().body()).isEqualTo("GET /1 host=a body=");
      assertThat(client.readResponse().body()).isEqualTo("POST /2 host=a body=abc");
      assertThat(client.readResponse().body()).isEqualTo("POST /3 host=a body=xy");
    }
  }

  @Test
  void reusesAKeepAliveConnection() throws Exception {
    try (RawClient client = new RawClient(start())) {
      for (int i = 1; i <= 3; i++) {
        client.write("GET /" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        Response response = client.readResponse();
        assertThat(response.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(response.body()).isEqualTo("GET /" + i + " host=a body=");
      }
    }
  }

  @Test
  void sends408AndClosesWhenHeadersTrickleInTooSlowly() throws Exception {
    int port =
        start(
            Http1Limits.DEFAULTS.withRequestHeadersTimeout(Duration.ofMillis(200)),
            Http1Settings.DEFAULTS);
    try (RawClient client = new RawClient(port)) {
      client.write("GET / HTTP/1.1\r\n");
      client.write("Host: a\r\n");

      Response response = client.readResponse();
      assertThat(response.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
      assertThat(response.body()).isEqualTo("request header timeout");
      assertThat(client.isClosedByServer()).isTrue();
    }
    assertThat(stats.counter("http.it.downstream_rq_header_timeout").value()).isEqualTo(1);
  }

  @Test
  void closesAnHttp10ConnectionAfterTheResponse() throws Exception {
    int port = start(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAcceptHttp10(true, ""));
    try (RawClient client = new RawClient(port)) {
      client.write("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");

      Response response = client.readResponse();
      assertThat(response.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(response.header("connection")).isEqualToIgnoringCase("close");
      assertThat(client.isClosedByServer()).isTrue();
    }
  }

  @Test
  void refusesHttp10With426ByDefault() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write("GET / HTTP/1.0\r\nHost: a\r\n\r\n");

      assertThat(client.readResponse().statusLine()).isEqualTo("HTTP/1.1 426 Upgrade Required");
      assertThat(client.isClosedByServer()).isTrue();
    }
  }

  @Test
  void answers100ContinueBeforeTheBodyIsSent() throws Exception {
    try (RawClient client = new RawClient(start())) {
      client.write(
          "PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      assertThat(client.readResponse().statusLine()).isEqualTo("HTTP/1.1 100 Continue");

      client.write("hello");
      Response response = client.readResponse();
      assertThat(response.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(response.body()).isEqualTo("PUT /up host=a body=hello");
    }
  }

  record Response(String statusLine, String headers, String body) {
    String header(String name) {
      for (String line : headers.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  /** A byte-exact HTTP/1 client over a plain socket; every read times out. */
  static final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(READ_TIMEOUT_MS);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void write(String raw) throws IOException {
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    Response readResponse() throws IOException {
      String head = readHead();
      int firstLineEnd = head.indexOf("\r\n");
      String statusLine = firstLineEnd < 0 ? head : head.substring(0, firstLineEnd);
      String headers = firstLineEnd < 0 ? "" : head.substring(firstLineEnd + 2);
      Response partial = new Response(statusLine, headers, "");
      String length = partial.header("content-length");
      if (length == null) {
        return partial;
      }
      byte[] body = in.readNBytes(Integer.parseInt(length.toLowerCase(Locale.ROOT)));
      return new Response(statusLine, headers, new String(body, StandardCharsets.ISO_8859_1));
    }

    private String readHead() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      byte[] terminator = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        if (head.size() > MAX_RESPONSE_BYTES) {
          throw new IOException("response head too long");
        }
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed inside a response head: " + head);
        }
        head.write(b);
        matched = b == terminator[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      return text.substring(0, text.length() - 4);
    }

    /** True when the server closed: the next read sees end of stream (or a reset). */
    boolean isClosedByServer() throws IOException {
      try {
        return in.read() < 0;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
