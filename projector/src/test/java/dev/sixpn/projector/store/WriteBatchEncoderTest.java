package dev.sixpn.projector.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/** The hand-built serialization against RocksJava's own, byte for byte. */
class WriteBatchEncoderTest {

  static {
    RocksDB.loadLibrary();
  }

  @TempDir Path dir;

  @Test
  void toBytes_equalsRocksJavaSerialization() throws Exception {
    // 131 column families: ids above 127 take two varint bytes.
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
    for (int i = 1; i <= 130; i++) {
      descriptors.add(new ColumnFamilyDescriptor(("cf" + i).getBytes(StandardCharsets.US_ASCII)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    Random random = new Random(3);
    try (DBOptions options =
            new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles);
        WriteBatch reference = new WriteBatch()) {
      WriteBatchEncoder encoder = new WriteBatchEncoder(8);
      for (int i = 0; i < 500; i++) {
        ColumnFamilyHandle cf =
            handles.get(random.nextInt(3) == 0 ? 0 : random.nextInt(handles.size()));
        byte[] key = new byte[1 + random.nextInt(200)];
        random.nextBytes(key);
        int op = random.nextInt(5);
        if (op == 0 && cf.getID() != 0) {
          // A range's end must not come before its start: the key itself, one byte longer.
          byte[] end = java.util.Arrays.copyOf(key, key.length + 1);
          encoder.deleteRange(cf.getID(), key, end);
          reference.deleteRange(cf, key, end);
        } else if (op <= 2) {
          byte[] value = new byte[random.nextInt(300)];
          random.nextBytes(value);
          encoder.put(cf.getID(), key, value);
          reference.put(cf, key, value);
        } else {
          encoder.delete(cf.getID(), key);
          reference.delete(cf, key);
        }
      }
      assertEquals(reference.count(), encoder.count());
      assertArrayEquals(reference.data(), encoder.toBytes());
      try (WriteBatch decoded = new WriteBatch(encoder.toBytes())) {
        assertEquals(500, decoded.count());
        db.write(new org.rocksdb.WriteOptions(), decoded);
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
  }
}
