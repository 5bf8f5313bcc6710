package dev.sixpn.events;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.MalformedEventException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * JSON wire format of lifecycle events.
 *
 * <pre>{"schema":1,"type":"instance.started","id":"…","time":"2026-11-25T18:00:00Z","data":{…}}
 * </pre>
 *
 * <p>The envelope carries the schema version, type, event id and time; {@code data} carries the
 * record's other fields. Unknown fields inside {@code data} are ignored (additive changes need no
 * new schema version); a schema version other than {@value #SCHEMA_VERSION} is rejected.
 * Thread-safe.
 */
public final class EventCodec {

  public static final int SCHEMA_VERSION = 1;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(
              new SimpleModule("sixpn").addSerializer(SixpnAddress.class, new AddressSerializer()))
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private EventCodec() {}

  public static byte[] encode(LifecycleEvent event) {
    ObjectNode data = MAPPER.valueToTree(event);
    data.remove("eventId");
    data.remove("time");
    ObjectNode envelope = MAPPER.createObjectNode();
    envelope.put("schema", SCHEMA_VERSION);
    envelope.put("type", event.type().wireName());
    envelope.put("id", event.eventId());
    envelope.put("time", event.time().toString());
    envelope.set("data", data);
    try {
      return MAPPER.writeValueAsBytes(envelope);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + event.type().wireName(), e);
    }
  }

  /**
   * Reads one event.
   *
   * @throws MalformedEventException naming what is wrong: not JSON, unknown schema version or type,
   *     or a field that breaks a rule
   */
  public static LifecycleEvent decode(byte[] bytes) throws MalformedEventException {
    if (bytes == null) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, "record has no value (tombstone)");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new MalformedEventException(
          Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, "event must be a JSON object");
    }
    JsonNode schema = root.get("schema");
    if (schema == null || !schema.isIntegralNumber()) {
      throw new MalformedEventException(
          Reason.UNKNOWN_SCHEMA_VERSION, "schema version is missing or not a number");
    }
    if (schema.asInt() != SCHEMA_VERSION) {
      throw new MalformedEventException(
          Reason.UNKNOWN_SCHEMA_VERSION,
          "unknown schema version "
              + schema.asText()
              + " (this build reads "
              + SCHEMA_VERSION
              + ")");
    }
    JsonNode typeNode = root.get("type");
    String typeName = typeNode == null ? null : typeNode.asText();
    EventType type =
        EventType.fromWireName(typeName)
            .orElseThrow(
                () ->
                    new MalformedEventException(
                        Reason.UNKNOWN_TYPE, "unknown event type '" + typeName + "'"));
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new MalformedEventException(
          Reason.MALFORMED_JSON, type.wireName() + ": data must be a JSON object");
    }
    try {
      return read(type, text(root, "id"), instant(root), (ObjectNode) data);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException(
          Reason.INVALID_FIELD, type.wireName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Builds the record straight from the tree: no second pass through databind, which measured here
   * at half the decode time. Missing fields reach the record as null or 0 and its constructor names
   * them; a field of the wrong JSON type is named here.
   */
  private static LifecycleEvent read(EventType type, String id, Instant time, ObjectNode d) {
    return switch (type) {
      case NETWORK_CREATED ->
          new LifecycleEvent.NetworkCreated(id, time, u32(d, "network"), text(d, "name"));
      case NETWORK_DELETED -> new LifecycleEvent.NetworkDeleted(id, time, u32(d, "network"));
      case APP_CREATED ->
          new LifecycleEvent.AppCreated(id, time, u32(d, "network"), text(d, "app"));
      case APP_DELETED ->
          new LifecycleEvent.AppDeleted(id, time, u32(d, "network"), text(d, "app"));
      case HOST_JOINED ->
          new LifecycleEvent.HostJoined(
              id,
              time,
              u32(d, "host"),
              text(d, "region"),
              number(d, "latitude"),
              number(d, "longitude"),
              text(d, "wireguardPublicKey"),
              text(d, "endpoint"));
      case HOST_LEFT -> new LifecycleEvent.HostLeft(id, time, u32(d, "host"));
      case INSTANCE_STARTED -> {
        String address = text(d, "address");
        yield new LifecycleEvent.InstanceStarted(
            id,
            time,
            text(d, "instanceId"),
            u32(d, "network"),
            text(d, "app"),
            text(d, "processGroup"),
            u32(d, "host"),
            text(d, "region"),
            address == null ? null : SixpnAddress.parse(address),
            metadata(d));
      }
      case INSTANCE_STOPPED ->
          new LifecycleEvent.InstanceStopped(
              id, time, text(d, "instanceId"), u32(d, "network"), text(d, "app"));
      case INSTANCE_DESTROYED ->
          new LifecycleEvent.InstanceDestroyed(
              id, time, text(d, "instanceId"), u32(d, "network"), text(d, "app"));
    };
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' must be a string");
    }
    return v.textValue();
  }

  /** Ids: missing reads as 0, which the id rules reject naming the field. */
  private static long u32(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + field + "' must be an integer");
    }
    return v.longValue();
  }

  private static Double number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be a number");
    }
    return v.doubleValue();
  }

  private static Instant instant(JsonNode root) {
    String t = text(root, "time");
    if (t == null) {
      return null;
    }
    try {
      return FastInstant.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("time must be an ISO-8601 instant, got '" + t + "'");
    }
  }

  private static Map<String, String> metadata(JsonNode d) {
    JsonNode m = d.get("metadata");
    if (m == null || m.isNull()) {
      return Map.of();
    }
    if (!m.isObject()) {
      throw new IllegalArgumentException("field 'metadata' must be an object of strings");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : m.properties()) {
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException("metadata '" + e.getKey() + "' must be a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  private static String firstLine(Exception e) {
    String m = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static final class AddressSerializer extends StdSerializer<SixpnAddress> {
    private static final long serialVersionUID = 1L;

    AddressSerializer() {
      super(SixpnAddress.class);
    }

    @Override
    public void serialize(SixpnAddress value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(value.toString());
    }
  }
}
