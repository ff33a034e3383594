package io.attache.controlplane.interop;

import io.attache.controlplane.interop.matrix.InteropColumn;
import java.util.List;
import java.util.Map;

/**
 * One column of the interop matrix as {@link XdsClientScenarios} drives it: something fed by the
 * control plane that makes unary calls to the interop service ({@link TestBackend#SERVICE}) at a
 * target name — a proxyless gRPC client dialling {@code xds:///<target>}, or a plain gRPC client
 * through a proxy with {@code :authority <target>}. It reports what came back and never judges it.
 */
interface ClientUnderTest extends AutoCloseable {

  InteropColumn column();

  /** The client's own report of its version, e.g. {@code grpc-go v1.85.0}. */
  String version();

  /** The node id of the xDS stream the control plane sees for this client. */
  String nodeId();

  /**
   * {@code count} calls of {@code method} (Who or Admin) at {@code target}, one after the other,
   * each with the given request headers and a 10 s deadline; one outcome per call, in order.
   */
  List<CallOutcome> call(String target, String method, Map<String, String> headers, int count);

  default CallOutcome callOnce(String target, String method, Map<String, String> headers) {
    return call(target, method, headers, 1).get(0);
  }
}
