package dev.sixpn.events;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.MalformedEventException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON wire format of lifecycle events.
 *
 * <pre>{"schema":1,"type":"instance.started","id":"…","time":"2026-11-25T18:00:00Z","data":{…}}</pre>
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
              new SimpleModule("sixpn")
                  .addSerializer(SixpnAddress.class, new AddressSerializer())
                  .addDeserializer(SixpnAddress.class, new AddressDeserializer()))
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // A missing id reads as 0, which every id rule rejects with a message naming the field.
          .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
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
      throw new MalformedEventException(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, "event must be a JSON object");
    }
    JsonNode schema = root.get("schema");
    if (schema == null || !schema.isIntegralNumber()) {
      throw new MalformedEventException(Reason.UNKNOWN_SCHEMA_VERSION, "schema version is missing or not a number");
    }
    if (schema.asInt() != SCHEMA_VERSION) {
      throw new MalformedEventException(
          Reason.UNKNOWN_SCHEMA_VERSION,
          "unknown schema version " + schema.asText() + " (this build reads " + SCHEMA_VERSION + ")");
    }
    JsonNode typeNode = root.get("type");
    String typeName = typeNode == null ? null : typeNode.asText();
    EventType type =
        EventType.fromWireName(typeName)
            .orElseThrow(
                () -> new MalformedEventException(Reason.UNKNOWN_TYPE, "unknown event type '" + typeName + "'"));
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, type.wireName() + ": data must be a JSON object");
    }
    ObjectNode fields = ((ObjectNode) data).deepCopy();
    fields.set("eventId", root.get("id"));
    fields.set("time", root.get("time"));
    try {
      return MAPPER.treeToValue(fields, type.recordClass());
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new MalformedEventException(
          Reason.INVALID_FIELD, type.wireName() + ": " + cause.getMessage(), cause);
    } catch (JacksonException e) {
      Throwable root0 = e;
      while (root0.getCause() instanceof IllegalArgumentException iae) {
        root0 = iae;
      }
      String message = root0 instanceof IllegalArgumentException ? root0.getMessage() : fieldOf(e) + firstLine(e);
      throw new MalformedEventException(Reason.INVALID_FIELD, type.wireName() + ": " + message, e);
    }
  }

  private static String fieldOf(JacksonException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException de && !de.getPath().isEmpty()) {
      String field = de.getPath().getLast().getFieldName();
      return field == null ? "" : "field '" + field + "': ";
    }
    return "";
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
    public void serialize(SixpnAddress value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeString(value.toString());
    }
  }

  private static final class AddressDeserializer extends StdDeserializer<SixpnAddress> {
    private static final long serialVersionUID = 1L;

    AddressDeserializer() {
      super(SixpnAddress.class);
    }

    @Override
    public SixpnAddress deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return SixpnAddress.parse(p.getValueAsString());
      } catch (IllegalArgumentException e) {
        throw ctxt.weirdStringException(p.getValueAsString(), SixpnAddress.class, e.getMessage());
      }
    }
  }
}
