package io.attache.controlplane.translate;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;

/**
 * Content-derived versions: the same resource always gets the same version, in any process, so an
 * unchanged resource is never re-sent and a restart does not make every proxy re-apply its config.
 * Must never depend on identity hash codes or map iteration order.
 */
public final class ResourceVersions {

  private static final int HEX_CHARS = 16;

  private ResourceVersions() {}

  /** Version of one resource: a prefix of the SHA-256 of its deterministic serialization. */
  public static String of(Message resource) {
    return ofBytes(deterministicBytes(resource));
  }

  /**
   * Version of the resource whose {@link #deterministicBytes} these are: the same as {@link
   * #of(Message)}, for a caller that keeps the bytes as the resource's wire form too.
   */
  public static String ofBytes(byte[] deterministicBytes) {
    return digest(deterministicBytes);
  }

  /**
   * The resource serialized with map entries in key order: equal resources give equal bytes, and
   * the bytes are a valid wire form of the resource.
   */
  public static byte[] deterministicBytes(Message resource) {
    try {
      byte[] bytes = new byte[resource.getSerializedSize()];
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      resource.writeTo(out);
      out.checkNoSpaceLeft();
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Version of a set of resources: changes when any member's name or version changes. */
  public static String ofSet(SortedMap<String, String> versionsByName) {
    StringBuilder joined = new StringBuilder();
    for (Map.Entry<String, String> entry : versionsByName.entrySet()) {
      joined.append(entry.getKey()).append('=').append(entry.getValue()).append('\n');
    }
    return digest(joined.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String digest(byte[] bytes) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(hash).substring(0, HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
