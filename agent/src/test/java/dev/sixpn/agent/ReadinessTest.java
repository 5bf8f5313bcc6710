package dev.sixpn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadinessTest {

  @Test
  void failing_listsFailingChecksInRegistrationOrder() {
    Readiness r = new Readiness();
    AtomicBoolean caughtUp = new AtomicBoolean();
    r.register("caught_up", caughtUp::get);
    r.register("broker_contact", () -> false);
    r.register("dataplane_pass", () -> true);
    assertEquals(List.of("caught_up", "broker_contact"), r.failing());
    caughtUp.set(true);
    assertEquals(List.of("broker_contact"), r.failing());
  }

  @Test
  void failing_checkThatThrows_counts() {
    Readiness r = new Readiness();
    r.register(
        "broken",
        () -> {
          throw new IllegalStateException("boom");
        });
    assertEquals(List.of("broken"), r.failing());
  }

  @Test
  void failing_noChecks_ready() {
    assertEquals(List.of(), new Readiness().failing());
  }

  @Test
  void register_sameNameTwice_rejected() {
    Readiness r = new Readiness();
    r.register("caught_up", () -> true);
    assertThrows(IllegalArgumentException.class, () -> r.register("caught_up", () -> true));
    assertThrows(IllegalArgumentException.class, () -> r.register(" ", () -> true));
  }
}
