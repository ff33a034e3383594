package io.attache.dataplane.filter.decompressor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.extensions.compression.brotli.decompressor.v3.Brotli;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The brotli and zstd decompressor libraries: a stream from an independent encoder, cut at seeded
 * random places, decodes to the original; a corrupt stream, a failed checksum, bytes after a brotli
 * stream and a chunk decoding past 100 times its size each count Envoy's library counter once and
 * stop the decoder; the fields neither library runs are refused naming the field.
 */
class DecompressorLibraryTest {
  private static final String PATH = "decompressor_library.typed_config";
  private static final String PREFIX = "http.ingress.decompressor.d.";
  private final UnpooledByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
  private final StatsStore stats = new StatsStore();

  /**
   * brotli4j's own encoder and decoder, used here as the independent peer, need its native library.
   */
  @BeforeAll
  static void loadBrotli() {
    Brotli4jLoader.ensureAvailability();
  }

  private static byte[] body(long seed, int length) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    while (text.length() < length) {
      text.append("attache-").append(random.nextInt(500)).append(", ");
    }
    return text.substring(0, length).getBytes(StandardCharsets.UTF_8);
  }

  private static DecompressorLibrary library(Message config) throws ConfigException {
    return DecompressorLibrary.from(Any.pack(config), PATH);
  }

  private StreamDecoder decoder(DecompressorLibrary library) {
    return library.decoders(stats, PREFIX + library.statPrefix() + ".decompressor_library.").get();
  }

  /**
   * Decodes in seeded random chunks of 2000 to 5000 bytes: large enough that no chunk completing a
   * block yields more than 100 times its size (the decompression-bomb guard counts per chunk).
   */
  private byte[] decodeInChunks(StreamDecoder decoder, byte[] compressed, long seed) {
    Random random = new Random(seed);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    int at = 0;
    while (at < compressed.length) {
      int n = Math.min(compressed.length - at, 2_000 + random.nextInt(3_000));
      ByteBuf out = decoder.decode(Unpooled.wrappedBuffer(compressed, at, n), alloc);
      at += n;
      all.writeBytes(ByteBufUtil.getBytes(out));
      out.release();
    }
    decoder.close();
    return all.toByteArray();
  }

  private long counter(String name) {
    return stats.counter(name).value();
  }

  @Test
  void aBrotliStreamCutAtRandomPlacesDecodesToTheOriginal() throws Exception {
    byte[] input = body(1, 150_000);
    byte[] compressed = Encoder.compress(input, new Encoder.Parameters().setQuality(5));
    DecompressorLibrary brotli = library(Brotli.getDefaultInstance());

    assertThat(brotli.encoding()).isEqualTo("br");
    assertThat(decodeInChunks(decoder(brotli), compressed, 2)).isEqualTo(input);
    assertThat(counter("http.ingress.decompressor.d.brotli.decompressor_library.brotli_error"))
        .isZero();
  }

  @Test
  void aCorruptBrotliStreamCountsBrotliErrorOnceAndStops() throws Exception {
    byte[] compressed = Encoder.compress(body(3, 20_000));
    for (int i = 20; i < 40; i++) {
      compressed[i] ^= 0x5a;
    }
    StreamDecoder decoder = decoder(library(Brotli.getDefaultInstance()));

    decodeInChunks(decoder, compressed, 4);

    assertThat(counter("http.ingress.decompressor.d.brotli.decompressor_library.brotli_error"))
        .isEqualTo(1);
  }

  @Test
  void bytesAfterTheEndOfABrotliStreamCountBrotliError() throws Exception {
    byte[] input = body(5, 1_000);
    byte[] compressed = Encoder.compress(input);
    byte[] withGarbage = new byte[compressed.length + 3];
    System.arraycopy(compressed, 0, withGarbage, 0, compressed.length);
    StreamDecoder decoder = decoder(library(Brotli.getDefaultInstance()));

    ByteBuf out = decoder.decode(Unpooled.wrappedBuffer(withGarbage), alloc);

    assertThat(ByteBufUtil.getBytes(out)).isEqualTo(input);
    assertThat(counter("http.ingress.decompressor.d.brotli.decompressor_library.brotli_error"))
        .isEqualTo(1);
  }

  @Test
  void aBrotliChunkDecodingPastAHundredTimesItsSizeCountsBrotliError() throws Exception {
    byte[] zeros = new byte[1_000_000];
    byte[] compressed = Encoder.compress(zeros);
    StreamDecoder decoder = decoder(library(Brotli.getDefaultInstance()));

    ByteBuf out = decoder.decode(Unpooled.wrappedBuffer(compressed), alloc);

    assertThat(compressed.length * 100L).isLessThan(zeros.length);
    assertThat(out.readableBytes()).isEqualTo(compressed.length * 100);
    assertThat(counter("http.ingress.decompressor.d.brotli.decompressor_library.brotli_error"))
        .isEqualTo(1);
  }

  @Test
  void zstdFramesCutAtRandomPlacesDecodeToTheOriginalOneAfterTheOther() throws Exception {
    byte[] first = body(6, 120_000);
    byte[] second = body(7, 50_000);
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    frames.writeBytes(Zstd.compress(first, 10));
    frames.writeBytes(Zstd.compress(second, 1));
    DecompressorLibrary zstd =
        library(
            io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd
                .getDefaultInstance());

    byte[] decoded = decodeInChunks(decoder(zstd), frames.toByteArray(), 8);

    assertThat(zstd.encoding()).isEqualTo("zstd");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(first);
    expected.writeBytes(second);
    assertThat(decoded).isEqualTo(expected.toByteArray());
    assertThat(counter("http.ingress.decompressor.d.zstd.decompressor_library.zstd_generic_error"))
        .isZero();
  }

  @Test
  void aZstdFrameWithAWrongChecksumCountsZstdChecksumWrongError() throws Exception {
    byte[] input = body(9, 10_000);
    byte[] compressed;
    try (var context = new com.github.luben.zstd.ZstdCompressCtx()) {
      compressed = context.setLevel(3).setChecksum(true).compress(input);
    }
    compressed[compressed.length - 1] ^= 0x01; // the checksum is the frame's last four bytes
    StreamDecoder decoder =
        decoder(
            library(
                io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd
                    .getDefaultInstance()));

    decodeInChunks(decoder, compressed, 10);

    assertThat(
            counter(
                "http.ingress.decompressor.d.zstd.decompressor_library.zstd_checksum_wrong_error"))
        .isEqualTo(1);
    assertThat(counter("http.ingress.decompressor.d.zstd.decompressor_library.zstd_generic_error"))
        .isZero();
  }

  @Test
  void notAZstdFrameCountsZstdGenericError() throws Exception {
    StreamDecoder decoder =
        decoder(
            library(
                io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd
                    .getDefaultInstance()));

    decodeInChunks(decoder, body(11, 500), 12);

    assertThat(counter("http.ingress.decompressor.d.zstd.decompressor_library.zstd_generic_error"))
        .isEqualTo(1);
  }

  @Test
  void fieldsNeitherLibraryRunsAreRefusedNamingTheField() {
    assertThatThrownBy(
            () -> library(Brotli.newBuilder().setDisableRingBufferReallocation(true).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".disable_ring_buffer_reallocation");
    assertThatThrownBy(
            () ->
                library(
                    io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd
                        .newBuilder()
                        .addDictionaries(
                            io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                .setInlineString("dict"))
                        .build()))
        .hasMessageContaining(PATH + ".dictionaries");
    assertThatThrownBy(
            () ->
                library(
                    Brotli.newBuilder()
                        .setChunkSize(com.google.protobuf.UInt32Value.of(70_000))
                        .build()))
        .hasMessageContaining(PATH + ".chunk_size");
  }
}
