package dev.sixpn.projector.store;

/**
 * The store was written by a build with another schema. Its content is a projection of the log, so
 * the fix is always the same: delete it and replay ({@code sixpn state rebuild}; the agent does it
 * by itself).
 */
public final class IncompatibleStoreException extends StoreException {

  private static final long serialVersionUID = 1L;

  public IncompatibleStoreException(String message) {
    super(message, null);
  }
}
