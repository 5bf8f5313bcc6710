package dev.sixpn.publish.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProgressTest {

  private static final Instant T = Instant.parse("2026-12-02T03:00:00Z");

  @Test
  void encode_decode_roundTrips_keyIsTheHost() {
    Progress p = new Progress(7, Map.of(0, 1042L, 3, 5L), T);
    assertEquals(
        "{\"host\":7,\"next\":{\"0\":1042,\"3\":5},\"time\":\"2026-12-02T03:00:00Z\"}",
        new String(p.encode(), StandardCharsets.UTF_8));
    assertEquals(p, Progress.decode(p.encode()));
    assertEquals("7", Progress.key(7));
    assertEquals("sixpn.lifecycle.progress", ProgressTopic.of("sixpn.lifecycle"));
  }

  @Test
  void applied_meansTheNextOffsetIsAboveTheRecords() {
    Progress p = new Progress(7, Map.of(3, 43L), T);
    assertTrue(p.applied(3, 42));
    assertFalse(p.applied(3, 43));
    assertFalse(p.applied(1, 0), "a partition never folded");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "{\"next\":{},\"time\":\"2026-12-02T03:00:00Z\"}",
        "{\"host\":7,\"next\":{\"x\":1},\"time\":\"2026-12-02T03:00:00Z\"}",
        "{\"host\":7,\"next\":{\"0\":-5},\"time\":\"2026-12-02T03:00:00Z\"}",
        "{\"host\":0,\"next\":{},\"time\":\"2026-12-02T03:00:00Z\"}",
        "{\"host\":7,\"next\":{},\"time\":\"yesterday\"}",
      })
  void decode_rejectsWhatIsNotAHostsProgress(String json) {
    assertThrows(
        IllegalArgumentException.class,
        () -> Progress.decode(json.getBytes(StandardCharsets.UTF_8)));
    assertThrows(IllegalArgumentException.class, () -> Progress.decode(null));
  }
}
