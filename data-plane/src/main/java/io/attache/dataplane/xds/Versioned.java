package io.attache.dataplane.xds;

import com.google.protobuf.Message;
import java.time.Instant;

/**
 * An accepted resource with the version it arrived with and when it last changed, as Envoy shows
 * them in {@code /config_dump}. For state of the world the version is the response's {@code
 * version_info} of the last update that changed this resource; for delta it is the resource's own
 * version.
 */
public record Versioned<T extends Message>(T resource, String version, Instant lastUpdated) {}
