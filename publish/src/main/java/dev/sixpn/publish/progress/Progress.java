package dev.sixpn.publish.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far one host has folded the lifecycle topic: the next offset it will fold per partition
 * (everything before it applied and committed), as its agent reports it to the progress topic.
 *
 * <pre>{"host":7,"next":{"0":1042,"1":998},"time":"2026-12-02T03:00:00Z"}</pre>
 *
 * @param host the reporting host's id
 * @param next per partition, the next offset to fold
 * @param time when the agent wrote it (its clock; shown, never compared)
 */
public record Progress(long host, Map<Integer, Long> next, Instant time) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public Progress {
    if (host < 1 || host > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be 1..4294967295, got " + host);
    }
    if (time == null) {
      throw new IllegalArgumentException("time is required");
    }
    for (Map.Entry<Integer, Long> e : next.entrySet()) {
      if (e.getKey() < 0 || e.getValue() < 0) {
        throw new IllegalArgumentException(
            "next must map partitions ≥ 0 to offsets ≥ 0, got " + e.getKey() + "=" + e.getValue());
      }
    }
    next = Collections.unmodifiableMap(new TreeMap<>(next));
  }

  /** True if this host has applied the record at {@code offset} of {@code partition}. */
  public boolean applied(int partition, long offset) {
    return next.getOrDefault(partition, 0L) > offset;
  }

  /** The record key: the host id in decimal, so compaction keeps one record per host. */
  public static String key(long host) {
    return Long.toString(host);
  }

  public byte[] encode() {
    ObjectNode o = JSON.createObjectNode();
    o.put("host", host);
    ObjectNode n = o.putObject("next");
    next.forEach((p, off) -> n.put(Integer.toString(p), off));
    o.put("time", time.toString());
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads one record's value.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Progress decode(byte[] value) {
    if (value == null) {
      throw new IllegalArgumentException("progress record has no value (tombstone)");
    }
    JsonNode o;
    try {
      o = JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("progress record is not JSON: " + e.getMessage(), e);
    }
    if (o == null
        || !o.path("host").canConvertToLong()
        || !o.path("next").isObject()
        || !o.path("time").isTextual()) {
      throw new IllegalArgumentException("progress record needs host, next and time");
    }
    Map<Integer, Long> next = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : o.get("next").properties()) {
      try {
        next.put(Integer.parseInt(e.getKey()), e.getValue().asLong(-1));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("progress partition '" + e.getKey() + "' is no number");
      }
    }
    try {
      return new Progress(o.get("host").asLong(), next, Instant.parse(o.get("time").asText()));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("progress time is not an ISO-8601 instant", e);
    }
  }
}
