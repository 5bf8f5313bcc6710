package dev.sixpn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;

/** The hand-written label and event-id checks accept exactly what their documented regexes do. */
class ValidateMatchersTest {

  static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  @Property(tries = 3000)
  void isLabel_agreesWithRegex(
      @ForAll
          @StringLength(max = 70)
          @CharRange(from = 'a', to = 'z')
          @Chars({'-', '0', '9', 'A', '_', '.', 'ä'})
          String s) {
    assertEquals(LABEL.matcher(s).matches(), Validate.isLabel(s), s);
  }

  @Property(tries = 3000)
  void isEventId_agreesWithRegex(
      @ForAll @StringLength(max = 70) @CharRange(from = '*', to = '~') @Chars({' ', 'é'})
          String s) {
    assertEquals(EVENT_ID.matcher(s).matches(), Validate.isEventId(s), s);
  }
}
