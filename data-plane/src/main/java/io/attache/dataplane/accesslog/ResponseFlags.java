package io.attache.dataplane.accesslog;

import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;

/** An immutable set of {@link ResponseFlag}s, rendered as Envoy renders it ({@code -} if empty). */
public final class ResponseFlags {
  public static final ResponseFlags NONE = new ResponseFlags(EnumSet.noneOf(ResponseFlag.class));

  private final EnumSet<ResponseFlag> flags;

  private ResponseFlags(EnumSet<ResponseFlag> flags) {
    this.flags = flags;
  }

  public static ResponseFlags of(ResponseFlag... flags) {
    EnumSet<ResponseFlag> set = EnumSet.noneOf(ResponseFlag.class);
    for (ResponseFlag flag : flags) {
      set.add(flag);
    }
    return new ResponseFlags(set);
  }

  public static ResponseFlags of(Set<ResponseFlag> flags) {
    return flags.isEmpty() ? NONE : new ResponseFlags(EnumSet.copyOf(flags));
  }

  /** A new set with {@code flag} added; this one is unchanged. */
  public ResponseFlags with(ResponseFlag flag) {
    EnumSet<ResponseFlag> set = EnumSet.copyOf(flags);
    set.add(flag);
    return new ResponseFlags(set);
  }

  public boolean contains(ResponseFlag flag) {
    return flags.contains(flag);
  }

  public boolean isEmpty() {
    return flags.isEmpty();
  }

  public Set<ResponseFlag> asSet() {
    return EnumSet.copyOf(flags);
  }

  /** {@code %RESPONSE_FLAGS%}: short codes joined by commas in Envoy's order, {@code -} if none. */
  public String toShortString() {
    return join(true);
  }

  /** {@code %RESPONSE_FLAGS_LONG%}: the long names, same order, {@code -} if none. */
  public String toLongString() {
    return join(false);
  }

  private String join(boolean shortCodes) {
    if (flags.isEmpty()) {
      return "-";
    }
    StringJoiner out = new StringJoiner(",");
    for (ResponseFlag flag : flags) {
      out.add(shortCodes ? flag.shortCode() : flag.longName());
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResponseFlags other && other.flags.equals(flags);
  }

  @Override
  public int hashCode() {
    return flags.hashCode();
  }

  @Override
  public String toString() {
    return toShortString();
  }
}
