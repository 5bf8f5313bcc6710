package dev.sixpn.projector.store;

import java.util.Arrays;

/**
 * Builds a RocksDB write batch in its serialized form, so a whole batch crosses JNI once ({@code
 * new WriteBatch(byte[])}) instead of once per put. The format, from RocksDB's {@code
 * db/write_batch.cc}:
 *
 * <pre>
 * rep     := sequence: fixed64 | count: fixed32 | record[count]
 * record  := kTypeColumnFamilyValue(0x05) varint32(cf) varstring(key) varstring(value)
 *          | kTypeColumnFamilyDeletion(0x04) varint32(cf) varstring(key)
 *          | kTypeColumnFamilyRangeDeletion(0x0E) varint32(cf) varstring(begin) varstring(end)
 *          | kTypeValue(0x01) varstring varstring | kTypeDeletion(0x00) varstring   (default cf)
 * varstring := varint32(len) bytes
 * </pre>
 *
 * Fixed-width integers are little-endian; the sequence is assigned by the write. {@code
 * WriteBatchEncoderTest} checks the bytes against RocksJava's own {@code WriteBatch}.
 */
final class WriteBatchEncoder {

  private static final int HEADER = 12;
  private static final byte TYPE_DELETION = 0x00;
  private static final byte TYPE_VALUE = 0x01;
  private static final byte TYPE_CF_DELETION = 0x04;
  private static final byte TYPE_CF_VALUE = 0x05;
  private static final byte TYPE_CF_RANGE_DELETION = 0x0E;

  private byte[] buf;
  private int size = HEADER;
  private int count;

  WriteBatchEncoder(int initialCapacity) {
    buf = new byte[Math.max(64, initialCapacity)];
  }

  void put(int columnFamilyId, byte[] key, byte[] value) {
    ensure(1 + 5 + 5 + key.length + 5 + value.length);
    if (columnFamilyId == 0) {
      buf[size++] = TYPE_VALUE;
    } else {
      buf[size++] = TYPE_CF_VALUE;
      varint(columnFamilyId);
    }
    varstring(key);
    varstring(value);
    count++;
  }

  void delete(int columnFamilyId, byte[] key) {
    ensure(1 + 5 + 5 + key.length);
    if (columnFamilyId == 0) {
      buf[size++] = TYPE_DELETION;
    } else {
      buf[size++] = TYPE_CF_DELETION;
      varint(columnFamilyId);
    }
    varstring(key);
    count++;
  }

  /** Deletes the keys in [begin, end) of a column family other than the default. */
  void deleteRange(int columnFamilyId, byte[] begin, byte[] end) {
    if (columnFamilyId == 0) {
      throw new IllegalArgumentException("range deletions are only used outside the default cf");
    }
    ensure(1 + 5 + 5 + begin.length + 5 + end.length);
    buf[size++] = TYPE_CF_RANGE_DELETION;
    varint(columnFamilyId);
    varstring(begin);
    varstring(end);
    count++;
  }

  int count() {
    return count;
  }

  /** The serialized batch: header (sequence 0, count) and the records. */
  byte[] toBytes() {
    byte[] out = Arrays.copyOf(buf, size);
    out[8] = (byte) count;
    out[9] = (byte) (count >>> 8);
    out[10] = (byte) (count >>> 16);
    out[11] = (byte) (count >>> 24);
    return out;
  }

  private void varstring(byte[] b) {
    varint(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
  }

  private void varint(int v) {
    while ((v & ~0x7f) != 0) {
      buf[size++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
  }

  private void ensure(int extra) {
    if (size + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }
}
