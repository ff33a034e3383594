package io.attache.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources.ApiVersion;
import io.envoyproxy.controlplane.server.serializer.CachedProtoResourcesSerializer;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;

/**
 * The discovery server's serialiser: a resource's bytes come from the {@link ResourceVersionCache}
 * that versioned it, where they were made once when the resource first appeared, so no push and no
 * stream serialises an unchanged resource again. A resource the cache does not know (it left every
 * snapshot while a response was being built) falls back to java-control-plane's cached serialiser.
 * Knows nothing of policy or of how snapshots are made.
 */
public final class ResourceBytesSerializer implements ProtoResourcesSerializer {

  private final ResourceVersionCache versions;
  private final ProtoResourcesSerializer fallback = new CachedProtoResourcesSerializer();

  public ResourceBytesSerializer(ResourceVersionCache versions) {
    this.versions = versions;
  }

  @Override
  public Any serialize(Message resource, ApiVersion apiVersion) {
    Any known = versions.packed(resource);
    return known != null ? known : fallback.serialize(resource, apiVersion);
  }
}
