package io.attache.controlplane.interop.matrix;

/**
 * A column of the interop matrix: a data plane or proxyless client fed by this control plane. The
 * order here is the order of the columns in {@code docs/interop.md}.
 */
public enum InteropColumn {
  ENVOY("envoy", "Envoy"),
  ATTACHE("attache", "Attaché"),
  GRPC_JAVA("grpc-java", "grpc-java"),
  GRPC_GO("grpc-go", "grpc-go"),
  GRPC_CORE_PYTHON("grpc-core-python", "grpc C-core (Python)"),
  GRPC_JS("grpc-js", "grpc-js");

  private final String id;
  private final String title;

  InteropColumn(String id, String title) {
    this.id = id;
    this.title = title;
  }

  /** The key in {@code docs/interop-matrix.json}. */
  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  static InteropColumn byId(String id) {
    for (InteropColumn column : values()) {
      if (column.id.equals(id)) {
        return column;
      }
    }
    throw new IllegalArgumentException("no interop column " + id);
  }
}
