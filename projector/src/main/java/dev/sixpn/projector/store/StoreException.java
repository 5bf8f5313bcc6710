package dev.sixpn.projector.store;

/** A RocksDB operation failed; the message names the store, its path and the operation. */
public class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
