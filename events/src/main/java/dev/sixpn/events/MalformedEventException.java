package dev.sixpn.events;

/** Bytes on the lifecycle topic that are not a valid event; the projector quarantines them. */
public final class MalformedEventException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a record was rejected; a label value of the quarantine metric. */
  public enum Reason {
    MALFORMED_JSON,
    UNKNOWN_SCHEMA_VERSION,
    UNKNOWN_TYPE,
    INVALID_FIELD
  }

  private final Reason reason;

  public MalformedEventException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public MalformedEventException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
