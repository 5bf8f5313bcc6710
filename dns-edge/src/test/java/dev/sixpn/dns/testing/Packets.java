package dev.sixpn.dns.testing;

import java.io.ByteArrayOutputStream;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Hand-made DNS messages, good and hostile. */
public final class Packets {

  private Packets() {}

  public static Message query(int id, String name, int type) {
    Message m = Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
    m.getHeader().setID(id);
    return m;
  }

  public static Message ednsQuery(int id, String name, int type, int payload) {
    Message m = query(id, name, type);
    m.addRecord(new OPTRecord(payload, 0, 0), Section.ADDITIONAL);
    return m;
  }

  /** A header with the given counts and flags, followed by {@code body}. */
  public static byte[] raw(int id, int flags, int qd, int an, int ns, int ar, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int v : new int[] {id, flags, qd, an, ns, ar}) {
      out.write(v >>> 8);
      out.write(v);
    }
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** A question for {@code name} (dotted, no escapes), type AAAA, class IN. */
  public static byte[] question(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String label : name.split("\\.")) {
      if (label.isEmpty()) {
        continue;
      }
      out.write(label.length());
      out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    out.write(0);
    out.writeBytes(new byte[] {0, 28, 0, 1});
    return out.toByteArray();
  }

  /** qdcount 1, the question's name is a compression pointer to itself (offset 12). */
  public static byte[] pointerLoop(int id) {
    return raw(id, 0x0100, 1, 0, 0, 0, new byte[] {(byte) 0xc0, 12, 0, 28, 0, 1});
  }

  /** qdcount 1, two pointers pointing at each other. */
  public static byte[] pointerPingPong(int id) {
    return raw(id, 0x0100, 1, 0, 0, 0, new byte[] {(byte) 0xc0, 14, (byte) 0xc0, 12, 0, 28, 0, 1});
  }

  /**
   * A 64-byte label (over the 63 limit of RFC 1035 §2.3.4); the length byte 0x40 is a reserved
   * label type.
   */
  public static byte[] oversizedLabel(int id) {
    byte[] label = new byte[65];
    label[0] = 64;
    java.util.Arrays.fill(label, 1, 65, (byte) 'a');
    byte[] body = new byte[label.length + 5];
    System.arraycopy(label, 0, body, 0, label.length);
    body[label.length] = 0;
    body[label.length + 1] = 0;
    body[label.length + 2] = 28;
    body[label.length + 3] = 0;
    body[label.length + 4] = 1;
    return raw(id, 0x0100, 1, 0, 0, 0, body);
  }

  /** A name over 255 bytes made of legal 63-byte labels. */
  public static byte[] nameTooLong(int id) {
    String label = "a".repeat(63);
    return raw(
        id, 0x0100, 1, 0, 0, 0, question(String.join(".", label, label, label, label, label)));
  }
}
