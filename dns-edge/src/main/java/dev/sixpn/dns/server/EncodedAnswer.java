package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.SimpleQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.xbill.DNS.Type;

/**
 * A zone answer encoded once by dnsjava and then stamped out per query: the hot path's way to
 * produce byte-for-byte what dnsjava would, without building a message each time.
 *
 * <p>Why it is exact: the template is dnsjava's encoding of the answer to the lowercased question.
 * A query differs only in id, RD/CD bits and the case of its question name. Case does not change
 * any length, so every compression offset stays valid; the question bytes are copied from the query
 * (which echoes its case, as dnsjava does since answer owners compress to the question). Rotation
 * moves whole answer records, which is position-independent only if every record's owner is the
 * pointer to the question (0xC00C) and its data holds no names (AAAA, TXT); a rotating answer of
 * any other shape gets no template and always takes the dnsjava path.
 */
final class EncodedAnswer {

  private static final int RD = 0x01; // in header byte 2
  private static final int CD = 0x10; // in header byte 3

  private final byte[] template;
  private final int questionEnd;
  private final int[] rrStart; // answer record offsets, plus the end of the answers
  private final int rcode;

  private EncodedAnswer(byte[] template, int questionEnd, int[] rrStart) {
    this.template = template;
    this.questionEnd = questionEnd;
    this.rrStart = rrStart;
    this.rcode = template[3] & 0xf;
  }

  /**
   * A template from dnsjava's encoding of a response to the lowercased question.
   *
   * @return null if the answer must rotate and its records are not position-independent
   */
  static EncodedAnswer of(byte[] encoded, int answerCount, boolean rotates) {
    int p = 12;
    while ((encoded[p] & 0xff) != 0) {
      p += (encoded[p] & 0xff) + 1;
    }
    int questionEnd = p + 1 + 4;
    int[] starts = new int[answerCount + 1];
    p = questionEnd;
    for (int i = 0; i < answerCount; i++) {
      starts[i] = p;
      boolean ownerIsQuestion = (encoded[p] & 0xff) == 0xc0 && encoded[p + 1] == 12;
      if (!ownerIsQuestion) {
        if (rotates) {
          return null;
        }
        while ((encoded[p] & 0xff) != 0 && (encoded[p] & 0xc0) != 0xc0) {
          p += (encoded[p] & 0xff) + 1;
        }
        p += (encoded[p] & 0xc0) == 0xc0 ? 2 : 1;
      } else {
        p += 2;
      }
      int type = u16(encoded, p);
      if (rotates && type != Type.AAAA && type != Type.TXT) {
        return null;
      }
      p += 10 + u16(encoded, p + 8);
    }
    starts[answerCount] = p;
    return new EncodedAnswer(encoded, questionEnd, starts);
  }

  int length() {
    return template.length;
  }

  int rcode() {
    return rcode;
  }

  /** The response to {@code query} with the answers starting at record {@code rotation}. */
  byte[] render(byte[] query, SimpleQuery q, int rotation) {
    ByteBuf out = Unpooled.wrappedBuffer(new byte[template.length]).clear();
    renderInto(out, query, q, rotation);
    return out.array();
  }

  /**
   * Writes the response into {@code out} (which must have {@link #length()} bytes writable), so
   * that a UDP answer can go straight into the direct buffer the socket sends from.
   */
  void renderInto(ByteBuf out, byte[] query, SimpleQuery q, int rotation) {
    renderInto(out, query, q.questionEnd(), rotation);
  }

  /**
   * True if the question of {@code query} (ending at {@code queryQuestionEnd}) is this template's,
   * ignoring ASCII case: the template holds the lowercased question.
   */
  boolean answers(byte[] query, int queryQuestionEnd) {
    if (queryQuestionEnd != questionEnd) {
      return false;
    }
    for (int i = 12; i < questionEnd; i++) {
      byte b = query[i];
      if ((b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b) != template[i]) {
        return false;
      }
    }
    return true;
  }

  /** Like {@link #renderInto(ByteBuf, byte[], SimpleQuery, int)}, given where the question ends. */
  void renderInto(ByteBuf out, byte[] query, int queryQuestionEnd, int rotation) {
    if (queryQuestionEnd != questionEnd) {
      throw new IllegalArgumentException(
          "query's question is " + queryQuestionEnd + " bytes, template's " + questionEnd);
    }
    out.writeByte(query[0]);
    out.writeByte(query[1]);
    out.writeByte((template[2] & ~RD) | (query[2] & RD));
    out.writeByte((template[3] & ~CD) | (query[3] & CD));
    out.writeBytes(template, 4, 8);
    out.writeBytes(query, 12, questionEnd - 12);
    int n = rrStart.length - 1;
    int answersStart = rrStart[0];
    int answersEnd = rrStart[n];
    if (rotation == 0 || n < 2) {
      out.writeBytes(template, answersStart, answersEnd - answersStart);
    } else {
      for (int i = 0; i < n; i++) {
        int k = (rotation + i) % n;
        out.writeBytes(template, rrStart[k], rrStart[k + 1] - rrStart[k]);
      }
    }
    out.writeBytes(template, answersEnd, template.length - answersEnd);
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }
}
