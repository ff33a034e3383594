package io.attache.controlplane.differential;

import java.util.List;

/**
 * One request of a scenario's fixed sequence: method, Host (the virtual host a data plane routes
 * by), path and extra headers as name/value pairs.
 */
record ClientRequest(String method, String host, String path, List<String> headers) {

  ClientRequest {
    headers = List.copyOf(headers);
    if (headers.size() % 2 != 0) {
      throw new IllegalArgumentException("headers are name/value pairs: " + headers);
    }
  }

  static ClientRequest of(String method, String host, String path, String... headers) {
    return new ClientRequest(method, host, path, List.of(headers));
  }

  /** How reports name the request, e.g. {@code POST orders / [idempotency-key: k-1]}. */
  String label() {
    StringBuilder out = new StringBuilder(method + " " + host + " " + path);
    if (!headers.isEmpty()) {
      out.append(" [");
      for (int i = 0; i < headers.size(); i += 2) {
        out.append(i == 0 ? "" : ", ")
            .append(headers.get(i))
            .append(": ")
            .append(headers.get(i + 1));
      }
      out.append(']');
    }
    return out.toString();
  }
}
