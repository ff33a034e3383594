package io.attache.controlplane.policy;

import com.google.protobuf.Message;
import io.attache.controlplane.store.ResourceKind;
import java.util.Optional;

/**
 * How one resource differs between two states of the policy: its body before and after (empty where
 * it did not exist). An UNCHANGED entry has equal bodies on both sides.
 */
public record ResourceChange(
    ResourceKind kind,
    String name,
    Action action,
    Optional<Message> before,
    Optional<Message> after) {

  /** Named as kubectl names them, so the words read the same to a Kubernetes user. */
  public enum Action {
    CREATED,
    CONFIGURED,
    UNCHANGED,
    DELETED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static ResourceChange between(
      ResourceKind kind, String name, Optional<Message> before, Optional<Message> after) {
    Action action;
    if (before.isEmpty()) {
      action = Action.CREATED;
    } else if (after.isEmpty()) {
      action = Action.DELETED;
    } else if (before.get().equals(after.get())) {
      action = Action.UNCHANGED;
    } else {
      action = Action.CONFIGURED;
    }
    return new ResourceChange(kind, name, action, before, after);
  }
}
