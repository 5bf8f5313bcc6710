package dev.sixpn.dataplane.bpf;

/** A failed bpf(2) call; the message names the operation, the errno and how to fix it. */
public final class BpfException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int errno;

  public BpfException(String operation, int errno, String hint) {
    super(operation + " failed: " + Errno.name(errno) + (hint.isEmpty() ? "" : ": " + hint));
    this.errno = errno;
  }

  public BpfException(String message) {
    super(message);
    this.errno = 0;
  }

  public int errno() {
    return errno;
  }
}
