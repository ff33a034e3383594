package io.attache.dataplane.tracing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes MessagePack (the MessagePack spec's formats: fix/8/16/32 maps, arrays and strings,
 * integers of every width, float32/64, nil, booleans) into maps, lists, strings, longs and doubles,
 * independently of the encoder under test. Unsigned 64-bit values come back as their bit pattern.
 */
final class MsgPackReader {
  private final ByteBuffer in;

  private MsgPackReader(byte[] bytes) {
    this.in = ByteBuffer.wrap(bytes);
  }

  static Object decode(byte[] bytes) {
    MsgPackReader reader = new MsgPackReader(bytes);
    Object value = reader.next();
    if (reader.in.hasRemaining()) {
      throw new IllegalArgumentException(reader.in.remaining() + " trailing bytes");
    }
    return value;
  }

  private Object next() {
    int b = in.get() & 0xff;
    if (b <= 0x7f) {
      return (long) b;
    }
    if (b >= 0xe0) {
      return (long) (byte) b;
    }
    if ((b & 0xf0) == 0x80) {
      return map(b & 0x0f);
    }
    if ((b & 0xf0) == 0x90) {
      return array(b & 0x0f);
    }
    if ((b & 0xe0) == 0xa0) {
      return string(b & 0x1f);
    }
    return switch (b) {
      case 0xc0 -> null;
      case 0xc2 -> false;
      case 0xc3 -> true;
      case 0xca -> (double) in.getFloat();
      case 0xcb -> in.getDouble();
      case 0xcc -> (long) (in.get() & 0xff);
      case 0xcd -> (long) (in.getShort() & 0xffff);
      case 0xce -> in.getInt() & 0xffffffffL;
      case 0xcf, 0xd3 -> in.getLong();
      case 0xd0 -> (long) in.get();
      case 0xd1 -> (long) in.getShort();
      case 0xd2 -> (long) in.getInt();
      case 0xd9 -> string(in.get() & 0xff);
      case 0xda -> string(in.getShort() & 0xffff);
      case 0xdb -> string(in.getInt());
      case 0xdc -> array(in.getShort() & 0xffff);
      case 0xdd -> array(in.getInt());
      case 0xde -> map(in.getShort() & 0xffff);
      case 0xdf -> map(in.getInt());
      default -> throw new IllegalArgumentException("unsupported MessagePack type 0x" + b);
    };
  }

  private String string(int length) {
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private List<Object> array(int size) {
    List<Object> list = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      list.add(next());
    }
    return list;
  }

  private Map<String, Object> map(int size) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      map.put((String) next(), next());
    }
    return map;
  }
}
