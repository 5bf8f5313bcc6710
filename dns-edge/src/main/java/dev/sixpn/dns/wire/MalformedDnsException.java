package dev.sixpn.dns.wire;

/**
 * A message that cannot be treated as a DNS query. {@link #id()} is the header's id when the
 * 12-byte header was readable (so a FORMERR can echo it), else -1 (the packet is dropped).
 */
public final class MalformedDnsException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why, for counting; the message has the detail. */
  public enum Reason {
    SHORT_HEADER,
    QUESTION_COUNT,
    BAD_NAME_OR_RECORD,
    BAD_OPT
  }

  private final int id;
  private final int flags;
  private final Reason reason;

  public MalformedDnsException(Reason reason, int id, int flags, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
    this.id = id;
    this.flags = flags;
  }

  public Reason reason() {
    return reason;
  }

  public int id() {
    return id;
  }

  /** The header's second 16-bit word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). */
  public int flags() {
    return flags;
  }

  public boolean headerReadable() {
    return id >= 0;
  }
}
