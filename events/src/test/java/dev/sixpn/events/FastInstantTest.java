package dev.sixpn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FastInstantTest {

  @Property
  void parse_agreesWithJdkOnToString(
      @ForAll @LongRange(min = 0, max = 253402300799L) long seconds,
      @ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
    Instant i = Instant.ofEpochSecond(seconds, nanos);
    assertEquals(i, FastInstant.parse(i.toString()));
  }

  @Test
  void parse_otherFormsGoToJdk() {
    assertEquals(
        Instant.parse("2026-11-25T18:00:00+01:00"), FastInstant.parse("2026-11-25T18:00:00+01:00"));
    assertThrows(DateTimeParseException.class, () -> FastInstant.parse("2026-13-25T18:00:00Z"));
    assertThrows(DateTimeParseException.class, () -> FastInstant.parse("2026-11-25T18:00:0xZ"));
    assertThrows(DateTimeParseException.class, () -> FastInstant.parse("yesterday"));
    assertThrows(DateTimeParseException.class, () -> FastInstant.parse("2026-02-30T18:00:00Z"));
  }
}
