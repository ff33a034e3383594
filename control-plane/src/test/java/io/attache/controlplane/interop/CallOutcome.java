package io.attache.controlplane.interop;

import io.grpc.Status;

/**
 * What one unary call to the interop service came back with: its status, the backend that answered
 * (empty unless OK) and the status details (for failure messages).
 */
record CallOutcome(Status.Code code, String backend, String details) {

  static CallOutcome answeredBy(String backend) {
    return new CallOutcome(Status.Code.OK, backend, "");
  }

  boolean ok() {
    return code == Status.Code.OK;
  }

  /** The backend's name, or the status code's name for a failed call: what tests count. */
  String label() {
    return ok() ? backend : code.name();
  }
}
