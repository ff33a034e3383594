package io.attache.dataplane.xds;

import com.google.protobuf.Message;
import java.util.List;

/**
 * One resource of a discovery response that passed its parser: the proto as sent (its TypedStructs
 * unwrapped), its name and what it must wait for before it can serve. Immutable.
 */
public record ParsedResource(
    XdsResourceType type, String name, Message proto, List<Dependency> dependencies) {
  public ParsedResource {
    dependencies = List.copyOf(dependencies);
  }
}
