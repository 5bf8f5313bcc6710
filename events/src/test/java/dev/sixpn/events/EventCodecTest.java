package dev.sixpn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.MalformedEventException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventCodecTest {

  @Test
  void decode_roundTripsEveryType() throws Exception {
    Set<EventType> covered =
        SampleEvents.all().stream().map(LifecycleEvent::type).collect(Collectors.toSet());
    assertEquals(Set.of(EventType.values()), covered);
    for (LifecycleEvent e : SampleEvents.all()) {
      assertEquals(e, EventCodec.decode(EventCodec.encode(e)), e.type().wireName());
    }
  }

  @Test
  void encode_writesEnvelope() {
    String json = new String(EventCodec.encode(SampleEvents.started()), StandardCharsets.UTF_8);
    assertTrue(
        json.startsWith(
            "{\"schema\":2,\"type\":\"instance.started\",\"id\":\"e7\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{"),
        json);
    assertTrue(json.contains("\"address\":\"fdaa:0:1:0:7:0:2a:2\""), json);
    assertTrue(json.contains("\"hostAccess\":false"), json);
  }

  @Test
  void decode_schema1Started_hasNoHostAccessWhateverItsMetadataSays() throws Exception {
    String v1 =
        "{\"schema\":1,\"type\":\"instance.started\",\"id\":\"e1\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"instanceId\":\"a1\",\"network\":1,\"app\":\"web\",\"processGroup\":\"app\",\"host\":7,\"region\":\"nrt\",\"address\":\"fdaa:0:1:0:7:0:2a:2\",\"metadata\":{\"sixpn.allow-host\":\"true\",\"sixpn.link\":\"eth0\"}}}";
    var e = (LifecycleEvent.InstanceStarted) EventCodec.decode(v1.getBytes(StandardCharsets.UTF_8));
    assertFalse(e.hostAccess());
    assertEquals("eth0", e.metadata().get("sixpn.link"), "kept as the user's data");
  }

  @Test
  void decode_hostAccess_roundTripsAndRejectsNonBooleans() throws Exception {
    var s = SampleEvents.started();
    var withAccess =
        new LifecycleEvent.InstanceStarted(
            s.eventId(),
            s.time(),
            s.instanceId(),
            s.network(),
            s.app(),
            s.processGroup(),
            s.host(),
            s.region(),
            s.address(),
            s.metadata(),
            true);
    assertEquals(withAccess, EventCodec.decode(EventCodec.encode(withAccess)));
    String bad =
        new String(EventCodec.encode(withAccess), StandardCharsets.UTF_8)
            .replace("\"hostAccess\":true", "\"hostAccess\":\"yes\"");
    MalformedEventException ex =
        assertThrows(
            MalformedEventException.class,
            () -> EventCodec.decode(bad.getBytes(StandardCharsets.UTF_8)));
    assertTrue(ex.getMessage().contains("hostAccess"), ex.getMessage());
  }

  static LifecycleEvent.InstanceStarted withPorts(java.util.List<Port> ports) {
    var s = SampleEvents.started();
    return new LifecycleEvent.InstanceStarted(
        s.eventId(),
        s.time(),
        s.instanceId(),
        s.network(),
        s.app(),
        s.processGroup(),
        s.host(),
        s.region(),
        s.address(),
        s.metadata(),
        false,
        ports);
  }

  @Test
  void decode_ports_roundTripAndMissingReadsAsNone() throws Exception {
    var e = withPorts(java.util.List.of(new Port("http", 8080, "tcp"), new Port("dns", 53, "udp")));
    String json = new String(EventCodec.encode(e), StandardCharsets.UTF_8);
    assertTrue(
        json.contains("\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"tcp\"}"), json);
    assertEquals(e, EventCodec.decode(EventCodec.encode(e)));
    String without = json.replaceAll(",\"ports\":\\[[^\\]]*\\]", "");
    assertFalse(without.contains("ports"), without);
    var old =
        (LifecycleEvent.InstanceStarted)
            EventCodec.decode(without.getBytes(StandardCharsets.UTF_8));
    assertEquals(java.util.List.of(), old.ports());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"ports\":{}|field 'ports' must be an array",
        "\"ports\":[1]|field 'ports' must be an array of objects",
        "\"ports\":[{\"name\":\"http\",\"port\":\"80\",\"protocol\":\"tcp\"}]|ports.port must be",
        "\"ports\":[{\"name\":\"http\",\"port\":0,\"protocol\":\"tcp\"}]|ports.port must be",
        "\"ports\":[{\"name\":\"HTTP\",\"port\":80,\"protocol\":\"tcp\"}]|ports.name must be",
        "\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"sctp\"}]|ports.protocol must be",
        "\"ports\":[{\"name\":\"http\",\"port\":80}]|ports.protocol is required",
      })
  void decode_badPorts_isInvalidFieldNamingIt(String ports, String message) {
    String json =
        new String(EventCodec.encode(withPorts(java.util.List.of())), StandardCharsets.UTF_8)
            .replace("\"ports\":[]", ports);
    MalformedEventException ex =
        assertThrows(
            MalformedEventException.class,
            () -> EventCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
    assertEquals(Reason.INVALID_FIELD, ex.reason());
    assertTrue(ex.getMessage().contains(message), ex.getMessage());
  }

  @Test
  void decode_health_statusOnTheWireInLowerCase() throws Exception {
    var e =
        new LifecycleEvent.InstanceHealth(
            "h1", SampleEvents.T, "web-1", 1, "web", "tcp-6379", HealthStatus.CRITICAL);
    String json = new String(EventCodec.encode(e), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"type\":\"instance.health\""), json);
    assertTrue(json.contains("\"check\":\"tcp-6379\",\"status\":\"critical\""), json);
    assertEquals(e, EventCodec.decode(EventCodec.encode(e)));
    assertEquals("1", e.partitionKey(), "ordered with the instance's start");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"status\":\"critical\"|\"status\":\"down\"|status must be passing, warning or critical",
        "\"status\":\"critical\"|\"status\":1|field 'status' must be a string",
        "\"status\":\"critical\"}|\"status\":null}|status is required",
        "\"check\":\"tcp-6379\"|\"check\":\"TCP 6379\"|check must be a DNS label",
      })
  void decode_badHealth_isInvalidFieldNamingIt(String from, String to, String message) {
    String json =
        new String(
                EventCodec.encode(
                    new LifecycleEvent.InstanceHealth(
                        "h1",
                        SampleEvents.T,
                        "web-1",
                        1,
                        "web",
                        "tcp-6379",
                        HealthStatus.CRITICAL)),
                StandardCharsets.UTF_8)
            .replace(from, to);
    MalformedEventException ex =
        assertThrows(
            MalformedEventException.class,
            () -> EventCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
    assertEquals(Reason.INVALID_FIELD, ex.reason());
    assertTrue(ex.getMessage().contains(message), ex.getMessage());
  }

  @Test
  void partitionKey_isNetworkOrHost() {
    assertEquals("1", SampleEvents.started().partitionKey());
    assertEquals("host:7", SampleEvents.all().get(4).partitionKey());
  }

  @Test
  void decode_ignoresUnknownDataFields() throws Exception {
    String json =
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3,\"future\":true}}";
    assertEquals(3, ((LifecycleEvent.HostLeft) EventCodec.decode(bytes(json))).host());
  }

  @Test
  void decode_acceptsEnvelopeFieldsInAnyOrder() throws Exception {
    String json =
        "{\"data\":{\"future\":{\"x\":[1,2]},\"host\":3},\"id\":\"x\",\"extra\":[{}],\"type\":\"host.left\",\"time\":\"2026-11-25T18:00:00Z\",\"schema\":1}";
    LifecycleEvent.HostLeft e = (LifecycleEvent.HostLeft) EventCodec.decode(bytes(json));
    assertEquals(3, e.host());
    assertEquals("x", e.eventId());
  }

  @Test
  void decode_ignoresWrongTypedFieldsTheTypeDoesNotRead() throws Exception {
    String json =
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3,\"app\":7,\"metadata\":{\"a\":1}}}";
    assertEquals(3, ((LifecycleEvent.HostLeft) EventCodec.decode(bytes(json))).host());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json | MALFORMED_JSON | malformed JSON",
        "[1,2] | MALFORMED_JSON | JSON object",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3} | MALFORMED_JSON | malformed JSON",
        "{\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3}} | UNKNOWN_SCHEMA_VERSION | missing",
        "{\"schema\":3,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3}} | UNKNOWN_SCHEMA_VERSION | unknown schema version 3",
        "{\"schema\":1,\"type\":\"host.exploded\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{}} | UNKNOWN_TYPE | 'host.exploded'",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\"} | MALFORMED_JSON | data must be",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"yesterday\",\"data\":{\"host\":3}} | INVALID_FIELD | host.left",
        "{\"schema\":1,\"type\":\"host.left\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3}} | INVALID_FIELD | eventId is required",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{}} | INVALID_FIELD | host must be in",
        "{\"schema\":1,\"type\":\"app.created\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"network\":1,\"app\":\"Bad_App\"}} | INVALID_FIELD | app must be a DNS label",
        "{\"schema\":1,\"type\":\"instance.stopped\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"app\":\"a\",\"instanceId\":\"i\",\"network\":\"seven\"}} | INVALID_FIELD | field 'network'",
        "{\"schema\":1,\"type\":\"instance.started\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"instanceId\":\"i1\",\"network\":1,\"app\":\"a\",\"processGroup\":\"app\",\"host\":7,\"region\":\"nrt\",\"address\":\"2001:db8::1\"}} | INVALID_FIELD | fdaa::/16",
        "{\"schema\":1,\"type\":\"instance.started\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"instanceId\":\"i1\",\"network\":1,\"app\":\"a\",\"processGroup\":\"app\",\"host\":7,\"region\":\"nrt\",\"address\":\"fdaa:0:1:0:7:0:1:2\",\"metadata\":{\"port\":8080}}} | INVALID_FIELD | metadata 'port' must be a string",
        "{\"schema\":4294967297,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3}} | UNKNOWN_SCHEMA_VERSION | unknown schema version 4294967297",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":7,\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"host\":3}} | INVALID_FIELD | field 'id' must be a string",
        "{\"schema\":1,\"type\":\"host.left\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":[]} | MALFORMED_JSON | data must be",
        "{\"schema\":1,\"type\":\"instance.started\",\"id\":\"x\",\"time\":\"2026-11-25T18:00:00Z\",\"data\":{\"instanceId\":\"i1\",\"network\":1,\"app\":\"a\",\"processGroup\":\"app\",\"host\":7,\"region\":\"nrt\",\"address\":\"fdaa:0:2:0:7:0:1:2\"}} | INVALID_FIELD | is in network 2, but network is 1",
      })
  void decode_rejectsWithReason(String json, Reason reason, String messagePart) {
    MalformedEventException e =
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(bytes(json)));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void decode_rejectsNullAndRandomBytes() {
    assertEquals(
        Reason.MALFORMED_JSON,
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(null)).reason());
    byte[] junk = new byte[64];
    Arrays.fill(junk, (byte) 0xff);
    assertEquals(
        Reason.MALFORMED_JSON,
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(junk)).reason());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
