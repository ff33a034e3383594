package io.attache.dataplane.filter.compressor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.github.luben.zstd.ZstdInputStream;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli;
import io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compressor libraries as Envoy configures them: each library's stream, fed chunk by chunk,
 * decodes with an independent decoder to the bytes that went in; gzip and brotli flush each chunk
 * (what left so far decodes to what went in so far); the library fields are read with Envoy's
 * defaults and ranges, and the ones brotli4j or Attaché cannot run are refused naming the field.
 */
class CompressorLibraryTest {
  private static final String PATH = "compressor_library.typed_config";
  private final UnpooledByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;

  /**
   * brotli4j's own encoder and decoder, used here as the independent peer, need its native library.
   */
  @BeforeAll
  static void loadBrotli() {
    Brotli4jLoader.ensureAvailability();
  }

  /** Text with repetition and noise, from a seeded random: compressible but not trivially. */
  private static byte[] body(long seed, int length) {
    Random random = new Random(seed);
    String[] words = {"attache", "envoy", "brotli", "zstd", "gzip", "{\"k\":", "}, ", "\n"};
    StringBuilder text = new StringBuilder();
    while (text.length() < length) {
      text.append(words[random.nextInt(words.length)]).append(random.nextInt(1000));
    }
    return text.substring(0, length).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static CompressorLibrary library(Message config) throws ConfigException {
    return CompressorLibrary.from(Any.pack(config), PATH);
  }

  /** Feeds {@code input} in seeded random chunks; returns every chunk's output in order. */
  private java.util.List<byte[]> encodeInChunks(StreamEncoder encoder, byte[] input, long seed) {
    Random random = new Random(seed);
    java.util.List<byte[]> outputs = new java.util.ArrayList<>();
    int at = 0;
    while (at < input.length) {
      int n = Math.min(input.length - at, 1 + random.nextInt(20_000));
      ByteBuf chunk = Unpooled.wrappedBuffer(input, at, n);
      at += n;
      ByteBuf out = encoder.encode(chunk, at == input.length, alloc);
      outputs.add(ByteBufUtil.getBytes(out));
      out.release();
    }
    return outputs;
  }

  private static byte[] concat(java.util.List<byte[]> parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    parts.forEach(all::writeBytes);
    return all.toByteArray();
  }

  private static byte[] brotliDecode(byte[] compressed) throws Exception {
    DirectDecompress result = Decoder.decompress(compressed);
    assertThat(result.getResultStatus()).isEqualTo(DecoderJNI.Status.DONE);
    return result.getDecompressedData();
  }

  private static byte[] zstdDecode(byte[] compressed) throws Exception {
    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(compressed))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    }
  }

  @Test
  void aBrotliStreamFedInChunksDecodesToTheBytesThatWentIn() throws Exception {
    byte[] input = body(1, 200_000);
    CompressorLibrary brotli =
        library(Brotli.newBuilder().setWindowBits(UInt32Value.of(10)).build());

    byte[] compressed = concat(encodeInChunks(brotli.newEncoder(), input, 2));

    assertThat(brotli.encoding()).isEqualTo("br");
    assertThat(brotli.statPrefix()).isEqualTo("brotli");
    assertThat(compressed.length).isLessThan(input.length / 2);
    assertThat(brotliDecode(compressed)).isEqualTo(input);
  }

  @Test
  void aBrotliChunkIsFlushedSoWhatLeftSoFarDecodesToWhatWentInSoFar() throws Exception {
    byte[] first = body(3, 5_000);
    StreamEncoder encoder = library(Brotli.getDefaultInstance()).newEncoder();

    ByteBuf out = encoder.encode(Unpooled.wrappedBuffer(first), false, alloc);
    byte[] prefix = ByteBufUtil.getBytes(out);
    out.release();
    encoder.close();

    DecoderJNI.Wrapper decoder = new DecoderJNI.Wrapper(prefix.length);
    decoder.getInputBuffer().put(prefix);
    decoder.push(prefix.length);
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    while (decoder.getStatus() == DecoderJNI.Status.NEEDS_MORE_OUTPUT || decoder.hasOutput()) {
      java.nio.ByteBuffer pulled = decoder.pull();
      byte[] bytes = new byte[pulled.remaining()];
      pulled.get(bytes);
      decoded.writeBytes(bytes);
    }
    decoder.destroy();
    assertThat(decoded.toByteArray()).isEqualTo(first);
  }

  @Test
  void everyBrotliQualityAndEncoderModeRoundTrips() throws Exception {
    byte[] input = body(4, 30_000);
    for (int quality : new int[] {0, 1, 3, 5, 9, 11}) {
      for (Brotli.EncoderMode mode :
          new Brotli.EncoderMode[] {
            Brotli.EncoderMode.DEFAULT, Brotli.EncoderMode.TEXT, Brotli.EncoderMode.FONT
          }) {
        CompressorLibrary brotli =
            library(
                Brotli.newBuilder()
                    .setQuality(UInt32Value.of(quality))
                    .setEncoderMode(mode)
                    .setWindowBits(UInt32Value.of(24))
                    .setChunkSize(UInt32Value.of(65536))
                    .build());
        byte[] compressed = concat(encodeInChunks(brotli.newEncoder(), input, quality));
        assertThat(brotliDecode(compressed))
            .as("quality %d mode %s", quality, mode)
            .isEqualTo(input);
      }
    }
  }

  @Test
  void aZstdFrameFedInChunksDecodesToTheBytesThatWentInWithItsChecksum() throws Exception {
    byte[] input = body(5, 300_000);
    CompressorLibrary zstd =
        library(
            io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.newBuilder()
                .setCompressionLevel(UInt32Value.of(10))
                .setEnableChecksum(true)
                .setStrategy(
                    io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.Strategy
                        .BTLAZY2)
                .build());

    byte[] compressed = concat(encodeInChunks(zstd.newEncoder(), input, 6));

    assertThat(zstd.encoding()).isEqualTo("zstd");
    assertThat(zstd.statPrefix()).isEqualTo("zstd");
    assertThat(compressed.length).isLessThan(input.length / 2);
    // The frame header's checksum flag (bit 2 of the frame header descriptor after the magic).
    assertThat(compressed[4] & 0x04).isEqualTo(0x04);
    assertThat(zstdDecode(compressed)).isEqualTo(input);
  }

  @Test
  void aZstdLevelOfZeroIsZstdsDefaultLevel() throws Exception {
    var zero =
        (ZstdSettings)
            library(
                io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.newBuilder()
                    .setCompressionLevel(UInt32Value.of(0))
                    .build());
    var unset =
        (ZstdSettings)
            library(
                io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd
                    .getDefaultInstance());

    assertThat(zero.level()).isEqualTo(3);
    assertThat(unset.level()).isEqualTo(3);
    assertThat(unset.checksum()).isFalse();
  }

  @Test
  void aGzipStreamStillRoundTripsThroughTheLibraryInterface() throws Exception {
    byte[] input = body(7, 100_000);
    CompressorLibrary gzip = library(Gzip.getDefaultInstance());

    byte[] compressed = concat(encodeInChunks(gzip.newEncoder(), input, 8));

    assertThat(gzip.encoding()).isEqualTo("gzip");
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      assertThat(in.readAllBytes()).isEqualTo(input);
    }
  }

  @Test
  void brotliFieldsBrotli4jCannotSetAreRefusedNamingTheField() {
    assertThatThrownBy(
            () -> library(Brotli.newBuilder().setInputBlockBits(UInt32Value.of(20)).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".input_block_bits");
    assertThatThrownBy(
            () -> library(Brotli.newBuilder().setDisableLiteralContextModeling(true).build()))
        .hasMessageContaining(PATH + ".disable_literal_context_modeling");
    assertThatThrownBy(() -> library(Brotli.newBuilder().setWindowBits(UInt32Value.of(9)).build()))
        .hasMessageContaining(PATH + ".window_bits")
        .hasMessageContaining("[10, 24]");
    assertThatThrownBy(() -> library(Brotli.newBuilder().setQuality(UInt32Value.of(12)).build()))
        .hasMessageContaining(PATH + ".quality");
    assertThatThrownBy(() -> library(Brotli.newBuilder().setChunkSize(UInt32Value.of(100)).build()))
        .hasMessageContaining(PATH + ".chunk_size");
  }

  @Test
  void aZstdDictionaryIsRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                library(
                    io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.newBuilder()
                        .setDictionary(
                            io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                .setInlineString("dict"))
                        .build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".dictionary");
  }

  @Test
  void anUnknownLibraryIsRefusedNamingTheOnesThatAreBuilt() {
    assertThatThrownBy(() -> library(UInt32Value.of(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH)
        .hasMessageContaining("envoy.compression.brotli.compressor")
        .hasMessageContaining("envoy.compression.zstd.compressor");
  }
}
