package dev.sixpn.events;

import java.util.UUID;

/** Helpers for producers of events. */
public final class Events {

  private Events() {}

  /** A fresh event id (UUID text). */
  public static String newEventId() {
    return UUID.randomUUID().toString();
  }
}
