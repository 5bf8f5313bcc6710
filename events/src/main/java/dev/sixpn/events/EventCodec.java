package dev.sixpn.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sixpn.address.SixpnAddress;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON wire format of lifecycle events.
 *
 * <pre>{"schema":2,"type":"instance.started","id":"…","time":"2026-11-25T18:00:00Z","data":{…}}
 * </pre>
 *
 * <p>The envelope carries the schema version, type, event id and time; {@code data} carries the
 * record's other fields. Unknown fields inside {@code data} are ignored (additive changes need no
 * new schema version); a schema version outside {@value #OLDEST_SCHEMA_VERSION}..{@value
 * #SCHEMA_VERSION} is rejected. Thread-safe.
 *
 * <p>Versions: 1, the first. 2: {@code instance.started} carries {@code hostAccess} (a typed field
 * set by orchestration), and its {@code metadata} is the user's data only — keys such as {@code
 * sixpn.link}, {@code sixpn.netns} or {@code sixpn.allow-host}, which schema 1 readers once took as
 * dataplane controls, mean nothing. A schema 1 event reads as {@code hostAccess=false}.
 *
 * <p>A new event type needs no new version: a reader that does not know it quarantines it as an
 * unknown type and folds everything else, where a higher version would make it refuse every event
 * of the newer writer ({@code instance.health} came so, in version 2).
 *
 * <p>Added without a new version (older readers quarantine them as an unknown type): {@code
 * peer.created} ({@code network}, {@code name}, {@code publicKey}, {@code gatewayHost}, {@code
 * address}: role 4 in the network on the gateway host) and {@code peer.removed} ({@code network},
 * {@code name}).
 */
public final class EventCodec {

  /** The version this build writes. */
  public static final int SCHEMA_VERSION = 2;

  /** The oldest version this build reads. */
  public static final int OLDEST_SCHEMA_VERSION = 1;

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
    return EventDecoder.decode(bytes);
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
