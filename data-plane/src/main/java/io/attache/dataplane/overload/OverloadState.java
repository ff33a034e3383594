package io.attache.dataplane.overload;

/**
 * What the connection manager and the listeners ask of the overload manager: each action's state, 0
 * (inactive) to 1 (saturated); between the two a scaled trigger is scaling. Read on event loops
 * from any thread; never blocks.
 */
public interface OverloadState {
  /** A proxy with no overload manager: every action is inactive. */
  OverloadState NONE = action -> 0.0;

  double value(OverloadActionName action);
}
