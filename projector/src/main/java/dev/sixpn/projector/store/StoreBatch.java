package dev.sixpn.projector.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * One atomic unit of change: the state changes of a poll batch and the offsets that produced
 * them. Reads see the store plus this batch's own writes ({@link WriteBatchWithIndex}), so a fold
 * rule that reads what an earlier event of the same batch wrote gets the new value.
 */
public final class StoreBatch implements AutoCloseable {

  private final StateStore store;
  private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
  private final ReadOptions readOptions = new ReadOptions();

  StoreBatch(StateStore store) {
    this.store = store;
  }

  WriteBatchWithIndex writeBatch() {
    return batch;
  }

  public byte[] get(Family family, byte[] key) {
    try {
      return batch.getFromBatchAndDB(store.db(), store.handle(family), readOptions, key);
    } catch (RocksDBException e) {
      throw store.failure("read " + family.cfName(), e);
    }
  }

  public void put(Family family, byte[] key, byte[] value) {
    try {
      batch.put(store.handle(family), key, value);
    } catch (RocksDBException e) {
      throw store.failure("put " + family.cfName(), e);
    }
  }

  public void delete(Family family, byte[] key) {
    try {
      batch.delete(store.handle(family), key);
    } catch (RocksDBException e) {
      throw store.failure("delete " + family.cfName(), e);
    }
  }

  /** Every (key, value) under {@code prefix}, seeing this batch's writes. */
  public List<Map.Entry<byte[], byte[]>> scan(Family family, byte[] prefix) {
    List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
    try (RocksIterator base = store.db().newIterator(store.handle(family));
        RocksIterator it = batch.newIteratorWithBase(store.handle(family), base)) {
      for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
        out.add(Map.entry(it.key(), it.value()));
      }
    }
    return out;
  }

  public void putOffset(int partition, long nextOffset) {
    put(Family.META, Keys.offset(partition), java.nio.ByteBuffer.allocate(8).putLong(nextOffset).array());
  }

  @Override
  public void close() {
    readOptions.close();
    batch.close();
  }
}
