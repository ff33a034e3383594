package io.attache.dataplane.ratelimit;

/** One {@code RateLimitDescriptor.Entry}: a key and its value. Immutable. */
public record DescriptorEntry(String key, String value) {
  @Override
  public String toString() {
    return key + "=" + value;
  }
}
