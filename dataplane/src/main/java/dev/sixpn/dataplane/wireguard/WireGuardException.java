package dev.sixpn.dataplane.wireguard;

/**
 * A WireGuard device could not be started, reached or configured; the message says how to fix it.
 */
public final class WireGuardException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public WireGuardException(String message) {
    super(message);
  }

  public WireGuardException(String message, Throwable cause) {
    super(message, cause);
  }
}
