package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bodies and requests an attacker or a careless script would send the REST API: each is refused
 * with the documented JSON error — the field at fault named in the body's own terms, a message a
 * person can act on, no Java in it — and stores nothing (the revision does not move). Real HTTP
 * against the real control plane; raw sockets where a client library would not send it.
 */
class HostileRestInputTest {

  private static final String ORDERS =
      "{\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;
  private RestClient rest;

  @BeforeEach
  void start() throws Exception {
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDir,
                Duration.ofMillis(10),
                Duration.ofMillis(50)),
            scheduler,
            Clock.systemUTC());
    rest = new RestClient(controlPlane.httpPort());
    assertThat(rest.put("/api/v1/services/orders", ORDERS).statusCode()).isEqualTo(201);
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          trailing garbage        | {"port":8080} x                                     | ``
          a second value          | {"port":8080}{"port":8081}                          | ``
          a comment               | {/* c */ "port":8080}                               | ``
          a duplicate key         | {"port":8080,"port":9090}                           | port
          a nested duplicate key  | {"endpoints":[{"port":1,"port":2}]}                 | endpoints[0].port
          an array at the top     | [1,2]                                               | ``
          a string at the top     | "orders"                                            | ``
          single quotes           | {'port':8080}                                       | ``
          an unquoted key         | {port:8080}                                         | ``
          NaN                     | {"port":NaN}                                        | port
          an unknown enum number  | {"protocol":99}                                     | protocol
          a nested enum number    | {"endpoints":[{"address":"10.0.0.1","port":1,"health":7}]} | endpoints[0].health
          an unknown enum name    | {"protocol":"HTTP9"}                                | protocol
          a duration without unit | {"connect_timeout":"500ms"}                         | connect_timeout
          a duration number       | {"connect_timeout":5}                               | connect_timeout
          a port in words         | {"port":"eighty"}                                   | port
          a negative port         | {"port":-1}                                         | port
          a fractional port       | {"port":80.5}                                       | port
          an object for an array  | {"endpoints":{"address":"10.0.0.1"}}                | endpoints
          a string in an array    | {"endpoints":["10.0.0.1"]}                          | endpoints[0]
          a nested wrong type     | {"breaker":{"consecutive_failures":"many"}}         | breaker.consecutive_failures
          an unknown nested field | {"breaker":{"colour":"red"}}                        | breaker.colour
          one field twice         | {"connect_timeout":"1s","connectTimeout":"2s"}      | connect_timeout
          null for a message      | {"breaker":null,"port":"x"}                         | port
          """)
  void refusesAServiceBodyNamingTheFieldAndStoresNothing(String what, String body, String field)
      throws Exception {
    long revision = headRevision();

    var response = rest.put("/api/v1/services/orders", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json(response);
    assertThat(error.get("error").asText()).isEqualTo("invalid_argument");
    assertThat(error.get("field").asText()).as(response.body()).isEqualTo(field);
    assertNoJava(error.get("message").asText());
    assertThat(headRevision()).isEqualTo(revision);
  }

  @Test
  void refusesALineComment() {
    var response = rest.put("/api/v1/services/orders", "{\"port\":8080 // c\n}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("message").asText()).startsWith("malformed JSON: ");
  }

  @Test
  void saysWhatADurationLooksLike() {
    JsonNode error = json(rest.put("/api/v1/services/orders", "{\"connect_timeout\":\"500ms\"}"));

    assertThat(error.get("message").asText())
        .isEqualTo(
            "must be a duration: seconds with an 's', such as \"1.5s\" or \"0.250s\", not"
                + " \"500ms\"");
  }

  @Test
  void namesTheEnumValuesWhenANumberIsUnknown() {
    JsonNode error = json(rest.put("/api/v1/services/orders", "{\"protocol\":99}"));

    assertThat(error.get("message").asText())
        .isEqualTo("99 is not a Protocol; use one of PROTOCOL_UNSPECIFIED, HTTP1, HTTP2, GRPC");
  }

  @Test
  void refusesAByteOrderMark() throws Exception {
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    String response = putRaw("/api/v1/services/orders", concat(bom, ORDERS.getBytes()));

    assertErrorResponse(response, 400, "invalid_argument", "");
    assertThat(bodyOf(response).get("message").asText()).contains("byte order mark");
  }

  @Test
  void refusesInvalidUtf8() throws Exception {
    byte[] body =
        concat(
            "{\"port\":8080,\"endpoints\":[{\"address\":\"".getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0xc3, (byte) 0x28},
            "\",\"port\":1}]}".getBytes(StandardCharsets.US_ASCII));

    String response = putRaw("/api/v1/services/orders", body);

    assertErrorResponse(response, 400, "invalid_argument", "");
    assertThat(bodyOf(response).get("message").asText()).isEqualTo("the body is not valid UTF-8");
  }

  @Test
  void refusesTwoMembersOfOneOneofNamingTheSecond() {
    var response =
        rest.put(
            "/api/v1/routes/r",
            "{\"hosts\":[\"orders\"],\"path_prefix\":\"/a\",\"path_exact\":\"/b\","
                + "\"destinations\":[{\"service\":\"orders\"}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("path_exact");
    assertThat(json(response).get("message").asText())
        .isEqualTo("only one of path_prefix, path_exact, path_regex may be set; 'path_prefix' is");
  }

  @Test
  void findsTheFieldInsideARawResourcesTypedConfig() {
    String listener =
        "{\"name\":\"ingress\",\"address\":{\"socket_address\":{\"address\":\"0.0.0.0\","
            + "\"port_value\":8443}},\"filter_chains\":[{\"filters\":[{\"name\":\"hcm\","
            + "\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.network"
            + ".http_connection_manager.v3.HttpConnectionManager\",\"stat_prefix\":\"in\","
            + "\"stream_idle_timeout\":\"forever\"}}]}]}";

    var response = rest.put("/api/v1/raw/listeners/ingress", listener);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText())
        .isEqualTo("filter_chains[0].filters[0].typed_config.stream_idle_timeout");
    assertNoJava(json(response).get("message").asText());
  }

  @Test
  void refusesATypedConfigOfAnUnknownType() {
    var response =
        rest.put(
            "/api/v1/raw/clusters/legacy",
            "{\"name\":\"legacy\",\"transport_socket\":{\"name\":\"tls\",\"typed_config\":"
                + "{\"@type\":\"type.googleapis.com/no.such.Type\"}}}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText())
        .isEqualTo("transport_socket.typed_config.@type");
    assertThat(json(response).get("message").asText())
        .isEqualTo("'type.googleapis.com/no.such.Type' is not a type this API knows");
  }

  @Test
  void refusesAnEmptyBody() throws Exception {
    String response = putRaw("/api/v1/services/orders", new byte[0]);

    assertErrorResponse(response, 400, "invalid_argument", "");
  }

  // ---- the error shape of every 4xx --------------------------------------------------------

  @Test
  void answersAMethodNotAllowedInTheErrorShape() throws Exception {
    String response =
        raw(
            "POST /api/v1/services/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n");

    assertErrorResponse(response, 405, "method_not_allowed", "");
    assertThat(bodyOf(response).get("message").asText())
        .isEqualTo("POST is not allowed on /api/v1/services/orders");
  }

  @Test
  void refusesABodyOverTheLimitByItsContentLengthWith413() throws Exception {
    long revision = headRevision();
    // The headers and the body's first 64 KiB, as any client sends them: Jetty dispatches a
    // request once some of its body has come (or at its idle timeout), and the refusal must come
    // from the declared length, before the rest of the body is waited for.
    String response =
        send(
            concat(
                ("PUT /api/v1/services/orders HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: "
                        + (RequestBodies.MAX_BYTES + 1)
                        + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII),
                " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII)));

    assertErrorResponse(response, 413, "content_too_large", "");
    assertThat(headRevision()).isEqualTo(revision);
  }

  @Test
  void refusesAChunkedBodyOverTheLimitWith413() throws Exception {
    long revision = headRevision();
    try (Socket socket = new Socket("127.0.0.1", controlPlane.httpPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PUT /api/v1/services/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      // Up to twice the limit, sent while the answer is read, as a client does: the answer may
      // come before the body is all sent, and whether the server still reads the rest is its
      // business, not something a test should wait on.
      CompletableFuture<Void> sending =
          CompletableFuture.runAsync(() -> sendChunks(out, 2 * RequestBodies.MAX_BYTES));
      String response = readAll(socket.getInputStream());

      assertErrorResponse(response, 413, "content_too_large", "");
      socket.close();
      sending.get(30, TimeUnit.SECONDS);
    }
    assertThat(headRevision()).isEqualTo(revision);
  }

  /** Chunks of 64 KiB up to {@code total} bytes, then the last chunk, until the peer stops it. */
  private static void sendChunks(OutputStream out, int total) {
    byte[] chunk = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
    try {
      for (int sent = 0; sent < total; sent += chunk.length) {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException refusedOrClosed) {
      // the server answered and closed, or the test closed the socket once it had the answer
    }
  }

  @Test
  void answersARequestLineTooLongInTheErrorShape() throws Exception {
    String response =
        raw(
            "GET /api/v1/services/"
                + "a".repeat(20_000)
                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertErrorResponse(response, 414, "uri_too_long", "");
  }

  @Test
  void answersHeadersTooLargeInTheErrorShape() throws Exception {
    String response =
        raw(
            "GET /api/v1/services HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "b".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

    assertErrorResponse(response, 431, "request_header_fields_too_large", "");
  }

  @Test
  void answersAMalformedRequestInTheErrorShape() throws Exception {
    String response =
        raw(
            "GET /api/v1/services HTTP/1.1\r\nHost: x\r\nNo colon here\r\nConnection: close\r\n\r\n");

    assertErrorResponse(response, 400, "invalid_argument", "");
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The newest revision: a write that stored anything moved it. */
  private long headRevision() {
    return json(rest.get("/api/v1/revisions")).get("items").get(0).get("revision").asLong();
  }

  private static void assertNoJava(String message) {
    assertThat(message)
        .doesNotContain("Exception", "java.", "com.google", "io.attache", "jackson")
        .doesNotContainPattern("\\b[a-z]+\\.[a-z]+\\.[A-Z][A-Za-z]+");
  }

  private void assertErrorResponse(String response, int status, String error, String field)
      throws IOException {
    assertThat(response).startsWith("HTTP/1.1 " + status + " ");
    assertThat(response.lines().takeWhile(l -> !l.isEmpty()).map(String::toLowerCase))
        .anyMatch(l -> l.startsWith("content-type: application/json"));
    JsonNode body = bodyOf(response);
    assertThat(body.get("error").asText()).isEqualTo(error);
    assertThat(body.get("field").asText()).isEqualTo(field);
    assertThat(body.get("message").asText()).isNotEmpty();
    assertNoJava(body.get("message").asText());
  }

  private static JsonNode bodyOf(String response) throws IOException {
    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
    return MAPPER.readTree(body);
  }

  private String putRaw(String path, byte[] body) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(
        ("PUT "
                + path
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    request.write(body);
    return send(request.toByteArray());
  }

  private String raw(String request) throws IOException {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private String send(byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", controlPlane.httpPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return readAll(socket.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
