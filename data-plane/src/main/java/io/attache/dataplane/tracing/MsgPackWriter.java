package io.attache.dataplane.tracing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few MessagePack types a Datadog agent report needs (maps, arrays, strings, integers,
 * doubles), written in their shortest forms as the MessagePack spec defines them. Not thread safe;
 * one per report.
 */
final class MsgPackWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

  MsgPackWriter arrayHeader(int size) {
    if (size < 16) {
      out.write(0x90 | size);
    } else if (size < 0x10000) {
      out.write(0xdc);
      writeShort(size);
    } else {
      out.write(0xdd);
      writeInt(size);
    }
    return this;
  }

  MsgPackWriter mapHeader(int size) {
    if (size < 16) {
      out.write(0x80 | size);
    } else if (size < 0x10000) {
      out.write(0xde);
      writeShort(size);
    } else {
      out.write(0xdf);
      writeInt(size);
    }
    return this;
  }

  MsgPackWriter string(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    if (n < 32) {
      out.write(0xa0 | n);
    } else if (n < 0x100) {
      out.write(0xd9);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0xda);
      writeShort(n);
    } else {
      out.write(0xdb);
      writeInt(n);
    }
    out.write(bytes, 0, n);
    return this;
  }

  /** A signed integer. */
  MsgPackWriter integer(long value) {
    if (value >= 0 && value < 128) {
      out.write((int) value);
    } else if (value < 0 && value >= -32) {
      out.write((int) (value & 0xff));
    } else {
      out.write(0xd3);
      writeLong(value);
    }
    return this;
  }

  /** An unsigned 64-bit integer (ids), whatever its top bit. */
  MsgPackWriter unsigned(long value) {
    out.write(0xcf);
    writeLong(value);
    return this;
  }

  MsgPackWriter float64(double value) {
    out.write(0xcb);
    writeLong(Double.doubleToLongBits(value));
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void writeShort(int v) {
    out.write(v >>> 8);
    out.write(v);
  }

  private void writeInt(int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private void writeLong(long v) {
    writeInt((int) (v >>> 32));
    writeInt((int) v);
  }
}
