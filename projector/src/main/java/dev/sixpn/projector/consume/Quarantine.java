package dev.sixpn.projector.consume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** The JSON stored for a quarantined record: where it was, why, and (bounded) what it held. */
final class Quarantine {

  /** Bytes of the original value kept; enough to see what went wrong, bounded against floods. */
  static final int MAX_VALUE_BYTES = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  private Quarantine() {}

  static byte[] entry(
      String topic,
      int partition,
      long offset,
      String key,
      byte[] value,
      String reason,
      String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("topic", topic);
    n.put("partition", partition);
    n.put("offset", offset);
    n.put("key", key);
    n.put("reason", reason);
    n.put("message", message);
    if (value != null) {
      byte[] kept = value.length > MAX_VALUE_BYTES ? Arrays.copyOf(value, MAX_VALUE_BYTES) : value;
      try {
        n.put(
            "value",
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(kept))
                .toString());
      } catch (CharacterCodingException e) {
        n.put("valueBase64", Base64.getEncoder().encodeToString(kept));
      }
      n.put("valueBytes", value.length);
    }
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }
}
