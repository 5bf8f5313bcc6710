package dev.sixpn.dns.forward;

/** No upstream answered in time; the edge answers SERVFAIL. */
public final class ForwardTimeoutException extends Exception {
  private static final long serialVersionUID = 1L;

  public ForwardTimeoutException(String message) {
    super(message, null, false, false);
  }
}
