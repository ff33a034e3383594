package io.attache.dataplane.filter.localratelimit;

/** One {@code RateLimitDescriptor.Entry}: a key and its value. Immutable. */
public record DescriptorEntry(String key, String value) {
  @Override
  public String toString() {
    return key + "=" + value;
  }
}
