package io.attache.controlplane.store;

import com.google.protobuf.Message;
import java.util.Optional;

/** One put (body present) or delete (body empty) inside a revision. */
public record Change(
    ResourceKind kind, String name, Optional<Message> body, Precondition precondition) {

  public static Change put(
      ResourceKind kind, String name, Message body, Precondition precondition) {
    return new Change(kind, name, Optional.of(body), precondition);
  }

  public static Change delete(ResourceKind kind, String name, Precondition precondition) {
    return new Change(kind, name, Optional.empty(), precondition);
  }
}
