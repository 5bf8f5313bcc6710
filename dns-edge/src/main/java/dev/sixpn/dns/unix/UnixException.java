package dev.sixpn.dns.unix;

import java.io.IOException;

/** A socket call failed with an errno; the message names the call, its target and the errno. */
public final class UnixException extends IOException {

  private final int errno;

  UnixException(String call, int errno) {
    super(call + ": " + Errnos.describe(errno));
    this.errno = errno;
  }

  /** The errno the call failed with (asm-generic/errno-base.h). */
  public int errno() {
    return errno;
  }
}
