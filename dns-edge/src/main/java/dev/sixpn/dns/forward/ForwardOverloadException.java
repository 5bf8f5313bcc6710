package dev.sixpn.dns.forward;

import java.io.IOException;

/**
 * Too many queries already wait for the upstreams; this one was not sent and the edge answers
 * SERVFAIL. Built without a stack trace: a flood makes many of them.
 */
public final class ForwardOverloadException extends IOException {
  private static final long serialVersionUID = 1L;

  public ForwardOverloadException(String message) {
    super(message);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
