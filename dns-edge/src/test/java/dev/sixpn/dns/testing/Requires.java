package dev.sixpn.dns.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A test that needs something of the machine: skipped with the reason printed when it is missing,
 * but FAILED when {@code CI=true} (CI must have it; a skip would hide it).
 */
public final class Requires {

  private Requires() {}

  public static void that(boolean present, String reason) {
    if (present) {
      return;
    }
    System.out.println("SKIPPED (or FAILED under CI=true): " + reason);
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and " + reason);
    }
    Assumptions.abort(reason);
  }
}
