package dev.sixpn.events;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.MalformedEventException.Reason;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON envelope of {@link EventCodec} with Jackson's streaming parser, straight into the
 * record: no tree. Every event the projector folds passes here, and the tree cost twice the time
 * and most of the garbage of a fold (measured in {@code ProjectorBench}).
 *
 * <p>Fields may come in any order, so values are collected first and judged after the envelope's
 * closing brace, in the order the reasons are documented: JSON, schema, type, data, then the fields
 * the type reads (a wrong-typed field the type does not read is ignored, like an unknown one).
 * Thread-safe.
 */
final class EventDecoder {

  private static final JsonFactory JSON = new JsonFactory();

  /** A value that is present but neither a string, an integer that fits a long, nor a double. */
  private record Other(JsonToken token) {}

  /** A metadata object with a non-string value. */
  private record BadMetadata(String key) {}

  // Slots of the data fields the event types read.
  private static final int NETWORK = 0;
  private static final int NAME = 1;
  private static final int APP = 2;
  private static final int HOST = 3;
  private static final int REGION = 4;
  private static final int LATITUDE = 5;
  private static final int LONGITUDE = 6;
  private static final int WIREGUARD_PUBLIC_KEY = 7;
  private static final int ENDPOINT = 8;
  private static final int INSTANCE_ID = 9;
  private static final int PROCESS_GROUP = 10;
  private static final int ADDRESS = 11;
  private static final int METADATA = 12;
  private static final int HOST_ACCESS = 13;
  private static final int PORTS = 14;
  private static final int CHECK = 15;
  private static final int STATUS = 16;
  private static final int PUBLIC_KEY = 17;
  private static final int GATEWAY_HOST = 18;
  private static final String[] FIELDS = {
    "network",
    "name",
    "app",
    "host",
    "region",
    "latitude",
    "longitude",
    "wireguardPublicKey",
    "endpoint",
    "instanceId",
    "processGroup",
    "address",
    "metadata",
    "hostAccess",
    "ports",
    "check",
    "status",
    "publicKey",
    "gatewayHost"
  };

  private EventDecoder() {}

  private static int slot(String field) {
    return switch (field) {
      case "network" -> NETWORK;
      case "name" -> NAME;
      case "app" -> APP;
      case "host" -> HOST;
      case "region" -> REGION;
      case "latitude" -> LATITUDE;
      case "longitude" -> LONGITUDE;
      case "wireguardPublicKey" -> WIREGUARD_PUBLIC_KEY;
      case "endpoint" -> ENDPOINT;
      case "instanceId" -> INSTANCE_ID;
      case "processGroup" -> PROCESS_GROUP;
      case "address" -> ADDRESS;
      case "metadata" -> METADATA;
      case "hostAccess" -> HOST_ACCESS;
      case "ports" -> PORTS;
      case "check" -> CHECK;
      case "status" -> STATUS;
      case "publicKey" -> PUBLIC_KEY;
      case "gatewayHost" -> GATEWAY_HOST;
      default -> -1;
    };
  }

  static LifecycleEvent decode(byte[] bytes) throws MalformedEventException {
    if (bytes == null) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, "record has no value (tombstone)");
    }
    Object schema = null;
    String type = null;
    Object id = null;
    Object time = null;
    Object[] data = null;
    boolean dataNotObject = false;
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedEventException(Reason.MALFORMED_JSON, "event must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "schema" -> schema = scalar(p, t);
          case "type" -> type = t.isScalarValue() ? p.getText() : skipped(p, "");
          case "id" -> id = scalar(p, t);
          case "time" -> time = scalar(p, t);
          case "data" -> {
            if (t == JsonToken.START_OBJECT) {
              data = readData(p);
              dataNotObject = false;
            } else {
              p.skipChildren();
              data = null;
              dataNotObject = true;
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new MalformedEventException(Reason.MALFORMED_JSON, "malformed JSON: unexpected end");
      }
    } catch (JacksonException e) {
      throw new MalformedEventException(
          Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e), e);
    } catch (IOException e) {
      throw new MalformedEventException(Reason.MALFORMED_JSON, "malformed JSON: " + e, e);
    }
    if (!(schema instanceof Long)) {
      throw new MalformedEventException(
          Reason.UNKNOWN_SCHEMA_VERSION, "schema version is missing or not a number");
    }
    if ((Long) schema < EventCodec.OLDEST_SCHEMA_VERSION
        || (Long) schema > EventCodec.SCHEMA_VERSION) {
      throw new MalformedEventException(
          Reason.UNKNOWN_SCHEMA_VERSION,
          "unknown schema version "
              + schema
              + " (this build reads "
              + EventCodec.OLDEST_SCHEMA_VERSION
              + " to "
              + EventCodec.SCHEMA_VERSION
              + ")");
    }
    String typeName = type;
    EventType eventType =
        EventType.fromWireName(typeName)
            .orElseThrow(
                () ->
                    new MalformedEventException(
                        Reason.UNKNOWN_TYPE, "unknown event type '" + typeName + "'"));
    if (data == null || dataNotObject) {
      throw new MalformedEventException(
          Reason.MALFORMED_JSON, eventType.wireName() + ": data must be a JSON object");
    }
    try {
      return read(eventType, text(id, "id"), instant(time), data);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException(
          Reason.INVALID_FIELD, eventType.wireName() + ": " + e.getMessage(), e);
    }
  }

  /** The value of a scalar or container token, as {@link #text}, {@link #u32} expect it. */
  private static Object scalar(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_NULL -> null;
      case VALUE_NUMBER_INT ->
          p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? new Other(t)
              : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> {
        p.skipChildren();
        yield new Other(t);
      }
    };
  }

  private static String skipped(JsonParser p, String value) throws IOException {
    p.skipChildren();
    return value;
  }

  private static Object[] readData(JsonParser p) throws IOException {
    Object[] slots = new Object[FIELDS.length];
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      int slot = slot(p.currentName());
      JsonToken t = p.nextToken();
      if (slot == METADATA && t == JsonToken.START_OBJECT) {
        slots[slot] = readMetadata(p);
      } else if (slot == PORTS && t == JsonToken.START_ARRAY) {
        slots[slot] = readPorts(p);
      } else if (slot >= 0) {
        slots[slot] = scalar(p, t);
      } else {
        p.skipChildren();
      }
    }
    return slots;
  }

  private static Object readMetadata(JsonParser p) throws IOException {
    Map<String, String> out = new HashMap<>();
    Object bad = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_STRING) {
        out.put(key, p.getText());
      } else {
        p.skipChildren();
        if (bad == null) {
          bad = new BadMetadata(key);
        }
      }
    }
    return bad != null ? bad : out;
  }

  /** The fields of one entry of {@code ports}, judged by {@link #ports} (not while parsing). */
  private record RawPort(Object name, Object port, Object protocol) {}

  /** A {@code ports} array: its entries, {@link Other} for one that is not an object. */
  private static List<Object> readPorts(JsonParser p) throws IOException {
    List<Object> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        out.add(new Other(t));
        p.skipChildren();
        continue;
      }
      Object name = null;
      Object port = null;
      Object protocol = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        Object v = scalar(p, p.nextToken());
        switch (field) {
          case "name" -> name = v;
          case "port" -> port = v;
          case "protocol" -> protocol = v;
          default -> {}
        }
      }
      out.add(new RawPort(name, port, protocol));
    }
    return out;
  }

  private static List<Port> ports(Object[] d) {
    Object v = d[PORTS];
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> raw)) {
      throw new IllegalArgumentException("field 'ports' must be an array of objects");
    }
    List<Port> out = new ArrayList<>(raw.size());
    for (Object o : raw) {
      if (!(o instanceof RawPort r)) {
        throw new IllegalArgumentException("field 'ports' must be an array of objects");
      }
      if (!(r.port() instanceof Long port) || port < 1 || port > 65_535) {
        throw new IllegalArgumentException("ports.port must be an integer 1-65535");
      }
      out.add(
          new Port(
              text(r.name(), "ports.name"), port.intValue(), text(r.protocol(), "ports.protocol")));
    }
    return out;
  }

  private static LifecycleEvent read(EventType type, String id, Instant time, Object[] d) {
    return switch (type) {
      case NETWORK_CREATED ->
          new LifecycleEvent.NetworkCreated(id, time, u32(d, NETWORK), text(d, NAME));
      case NETWORK_DELETED -> new LifecycleEvent.NetworkDeleted(id, time, u32(d, NETWORK));
      case APP_CREATED -> new LifecycleEvent.AppCreated(id, time, u32(d, NETWORK), text(d, APP));
      case APP_DELETED -> new LifecycleEvent.AppDeleted(id, time, u32(d, NETWORK), text(d, APP));
      case HOST_JOINED ->
          new LifecycleEvent.HostJoined(
              id,
              time,
              u32(d, HOST),
              text(d, REGION),
              number(d, LATITUDE),
              number(d, LONGITUDE),
              text(d, WIREGUARD_PUBLIC_KEY),
              text(d, ENDPOINT));
      case HOST_LEFT -> new LifecycleEvent.HostLeft(id, time, u32(d, HOST));
      case INSTANCE_STARTED -> {
        String address = text(d, ADDRESS);
        yield new LifecycleEvent.InstanceStarted(
            id,
            time,
            text(d, INSTANCE_ID),
            u32(d, NETWORK),
            text(d, APP),
            text(d, PROCESS_GROUP),
            u32(d, HOST),
            text(d, REGION),
            address == null ? null : SixpnAddress.parse(address),
            metadata(d),
            flag(d, HOST_ACCESS),
            ports(d));
      }
      case INSTANCE_STOPPED ->
          new LifecycleEvent.InstanceStopped(
              id, time, text(d, INSTANCE_ID), u32(d, NETWORK), text(d, APP));
      case INSTANCE_DESTROYED ->
          new LifecycleEvent.InstanceDestroyed(
              id, time, text(d, INSTANCE_ID), u32(d, NETWORK), text(d, APP));
      case INSTANCE_HEALTH -> {
        String status = text(d, STATUS);
        yield new LifecycleEvent.InstanceHealth(
            id,
            time,
            text(d, INSTANCE_ID),
            u32(d, NETWORK),
            text(d, APP),
            text(d, CHECK),
            status == null ? null : HealthStatus.parse("status", status));
      }
      case PEER_CREATED -> {
        String address = text(d, ADDRESS);
        yield new LifecycleEvent.PeerCreated(
            id,
            time,
            u32(d, NETWORK),
            text(d, NAME),
            text(d, PUBLIC_KEY),
            u32(d, GATEWAY_HOST),
            address == null ? null : SixpnAddress.parse(address));
      }
      case PEER_REMOVED -> new LifecycleEvent.PeerRemoved(id, time, u32(d, NETWORK), text(d, NAME));
    };
  }

  private static String text(Object[] d, int slot) {
    return text(d[slot], FIELDS[slot]);
  }

  private static String text(Object v, String field) {
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw new IllegalArgumentException("field '" + field + "' must be a string");
  }

  /** Ids: missing reads as 0, which the id rules reject naming the field. */
  private static long u32(Object[] d, int slot) {
    Object v = d[slot];
    if (v == null) {
      return 0;
    }
    if (v instanceof Long l) {
      return l;
    }
    throw new IllegalArgumentException("field '" + FIELDS[slot] + "' must be an integer");
  }

  /** Booleans: missing reads as false. */
  private static boolean flag(Object[] d, int slot) {
    Object v = d[slot];
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException("field '" + FIELDS[slot] + "' must be true or false");
  }

  private static Double number(Object[] d, int slot) {
    Object v = d[slot];
    if (v == null) {
      return null;
    }
    if (v instanceof Long l) {
      return l.doubleValue();
    }
    if (v instanceof Double x) {
      return x;
    }
    throw new IllegalArgumentException("field '" + FIELDS[slot] + "' must be a number");
  }

  private static Instant instant(Object v) {
    String t = text(v, "time");
    if (t == null) {
      return null;
    }
    try {
      return FastInstant.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("time must be an ISO-8601 instant, got '" + t + "'");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> metadata(Object[] d) {
    Object m = d[METADATA];
    if (m == null) {
      return Map.of();
    }
    if (m instanceof BadMetadata b) {
      throw new IllegalArgumentException("metadata '" + b.key() + "' must be a string");
    }
    if (!(m instanceof Map)) {
      throw new IllegalArgumentException("field 'metadata' must be an object of strings");
    }
    return (Map<String, String>) m;
  }

  private static String firstLine(JacksonException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
