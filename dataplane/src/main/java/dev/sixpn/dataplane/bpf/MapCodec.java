package dev.sixpn.dataplane.bpf;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * How a Java record is laid out as a map key or value. The layout must match the C struct exactly
 * (checked against the object's BTF in the tests and against the loaded map's key and value sizes
 * when a map is opened).
 */
public interface MapCodec<T> {

  MemoryLayout layout();

  void write(MemorySegment target, T value);

  T read(MemorySegment source);
}
