package io.attache.dataplane.outlier;

/**
 * What happened to one request on one host, beyond its HTTP status: Envoy's {@code
 * Outlier::Result}. LOCAL_ORIGIN results are the proxy's own (connect failed, timed out);
 * EXT_ORIGIN results are the upstream's for protocols without HTTP statuses.
 */
public enum OutlierResult {
  /** The TCP connection could not be made (refused, reset while connecting, connect timeout). */
  LOCAL_ORIGIN_CONNECT_FAILED,
  /** The request timed out waiting for the upstream. */
  LOCAL_ORIGIN_TIMEOUT,
  /** The connection was made; the HTTP status that follows is reported on its own. */
  LOCAL_ORIGIN_CONNECT_SUCCESS,
  /** The connection was made and nothing else will be reported for this request. */
  LOCAL_ORIGIN_CONNECT_SUCCESS_FINAL,
  /** A non-HTTP upstream said the request failed. */
  EXT_ORIGIN_REQUEST_FAILED,
  /** A non-HTTP upstream said the request succeeded. */
  EXT_ORIGIN_REQUEST_SUCCESS
}
