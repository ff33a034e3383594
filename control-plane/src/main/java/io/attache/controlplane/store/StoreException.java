package io.attache.controlplane.store;

/**
 * The store could not be read or written (I/O, corrupt data). The write, if any, did not happen.
 */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
