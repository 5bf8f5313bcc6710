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
 *
 * <p>An answer larger than the message allows is sent truncated ({@link #renderTruncatedInto}): the
 * header, the question, a window of whole answer records that fits, and what follows the answers
 * (the OPT). Over UDP the window carries TC (RFC 1035 §4.2.1, RFC 2181 §9: the client asks again
 * over TCP); over TCP it does not: there is no larger transport to retry on, and some stub
 * resolvers take TC over TCP for an error. The window of a rotating answer starts at {@code
 * rotation × stride mod n}, where the stride is the number of records that fit (lowered to the
 * largest count coprime with n): each answer shows instances the previous one did not, about
 * n/stride queries show the whole set, and over n queries every record leads exactly once. A
 * non-rotating answer ({@code top<N>.nearest}) keeps its order: the window is its first records.
 */
final class EncodedAnswer {

  private static final int RD = 0x01; // in header byte 2
  private static final int TC = 0x02; // in header byte 2
  private static final int CD = 0x10; // in header byte 3

  private final byte[] template;
  private final int questionEnd;
  private final int[] rrStart; // answer record offsets, plus the end of the answers
  private final int rcode;
  private final boolean rotates;

  /**
   * True if a window of the answers is a well-formed message: there are answers, no authority
   * records (whose names could point into dropped answers), so what follows them is the OPT only.
   */
  private final boolean truncatable;

  private EncodedAnswer(byte[] template, int questionEnd, int[] rrStart, boolean rotates) {
    this.template = template;
    this.questionEnd = questionEnd;
    this.rrStart = rrStart;
    this.rcode = template[3] & 0xf;
    this.rotates = rotates;
    this.truncatable = rrStart.length > 1 && u16(template, 8) == 0;
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
    return new EncodedAnswer(encoded, questionEnd, starts, rotates);
  }

  int length() {
    return template.length;
  }

  /** Offset just past the question in the template (and in every query it answers). */
  int questionEnd() {
    return questionEnd;
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
   * The response to {@code query} within {@code limit} bytes: whole if it fits, else truncated (TC
   * set if {@code udp}).
   *
   * @return null if not even one answer record fits (the caller answers by other means)
   */
  byte[] render(byte[] query, int queryQuestionEnd, int rotation, int limit, boolean udp) {
    if (template.length <= limit) {
      ByteBuf out = Unpooled.wrappedBuffer(new byte[template.length]).clear();
      renderInto(out, query, queryQuestionEnd, rotation);
      return out.array();
    }
    int length = truncatedLength(rotation, limit);
    if (length < 0) {
      return null;
    }
    ByteBuf out = Unpooled.wrappedBuffer(new byte[length]).clear();
    renderTruncatedInto(out, query, queryQuestionEnd, rotation, limit, udp);
    return out.array();
  }

  /**
   * The length of the truncated response within {@code limit} for this rotation, or -1 if not one
   * answer record fits (or the answer cannot be cut, see {@link #truncatable}).
   */
  int truncatedLength(int rotation, int limit) {
    long w = window(rotation, limit);
    return w < 0 ? -1 : questionEnd + (int) (w & 0xffff) + trailerLength();
  }

  /**
   * Writes the truncated response (a window of the answers that fits {@code limit}, TC set if
   * {@code udp}) at {@code out}'s writer index, which needs {@code limit} writable bytes.
   *
   * @return the length written, or -1 if not one answer record fits (nothing written)
   */
  int renderTruncatedInto(
      ByteBuf out, byte[] query, int queryQuestionEnd, int rotation, int limit, boolean udp) {
    if (queryQuestionEnd != questionEnd) {
      throw new IllegalArgumentException(
          "query's question is " + queryQuestionEnd + " bytes, template's " + questionEnd);
    }
    long w = window(rotation, limit);
    if (w < 0) {
      return -1;
    }
    int first = (int) (w >>> 32);
    int count = (int) ((w >>> 16) & 0xffff);
    int bytes = (int) (w & 0xffff);
    int n = rrStart.length - 1;
    out.writeByte(query[0]);
    out.writeByte(query[1]);
    out.writeByte((template[2] & ~RD) | (query[2] & RD) | (udp ? TC : 0));
    out.writeByte((template[3] & ~CD) | (query[3] & CD));
    out.writeBytes(template, 4, 2); // QDCOUNT
    out.writeShort(count);
    out.writeBytes(template, 8, 4); // NSCOUNT (0), ARCOUNT
    out.writeBytes(query, 12, questionEnd - 12);
    // the window is contiguous in the template, or wraps once past the last record
    int end = first + count;
    if (end <= n) {
      out.writeBytes(template, rrStart[first], rrStart[end] - rrStart[first]);
    } else {
      out.writeBytes(template, rrStart[first], rrStart[n] - rrStart[first]);
      out.writeBytes(template, rrStart[0], rrStart[end - n] - rrStart[0]);
    }
    int answersEnd = rrStart[n];
    out.writeBytes(template, answersEnd, template.length - answersEnd);
    return questionEnd + bytes + trailerLength();
  }

  /** Bytes after the answer records: the OPT, if any. */
  private int trailerLength() {
    return template.length - rrStart[rrStart.length - 1];
  }

  /**
   * The window of answer records for this rotation within {@code limit}: first record, count and
   * their bytes packed as {@code first << 32 | count << 16 | bytes} (each below 65,536: a message
   * holds at most 65,535 bytes, a template at most 65,535 records), or -1 if none fits.
   */
  private long window(int rotation, int limit) {
    if (!truncatable) {
      return -1;
    }
    int n = rrStart.length - 1;
    int budget = limit - questionEnd - trailerLength();
    int first = rotates ? windowStart(rotation, budget, n) : 0;
    int count = 0;
    int bytes = 0;
    for (int i = first; count < n; i = i + 1 == n ? 0 : i + 1) {
      int len = rrStart[i + 1] - rrStart[i];
      if (bytes + len > budget) {
        break;
      }
      bytes += len;
      count++;
    }
    return count == 0 ? -1 : ((long) first << 32) | ((long) count << 16) | bytes;
  }

  /**
   * Where the window of a rotating answer starts: {@code rotation × stride mod n}, the stride being
   * the records that fit on average, lowered to the largest count coprime with n: the starts of n
   * successive rotations are then n different records, and windows that overlap a little (rather
   * than leave gaps) cover the whole set in one pass.
   */
  private int windowStart(int rotation, int budget, int n) {
    long answerBytes = rrStart[n] - rrStart[0];
    int stride = (int) Math.max(1, Math.min(n, (long) Math.max(0, budget) * n / answerBytes));
    while (stride > 1 && gcd(stride, n) != 1) {
      stride--;
    }
    return (int) ((long) Math.floorMod(rotation, n) * stride % n);
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** How many answer records the template holds. */
  int answerCount() {
    return rrStart.length - 1;
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
