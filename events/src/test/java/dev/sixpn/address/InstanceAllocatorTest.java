package dev.sixpn.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InstanceAllocatorTest {

  @Test
  void allocate_isUniquePerNetworkAndHost() {
    InstanceAllocator allocator = new InstanceAllocator();
    Set<SixpnAddress> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      assertTrue(seen.add(allocator.allocate(1, 1)));
    }
    SixpnAddress other = allocator.allocate(2, 1);
    assertEquals(1, other.instance());
    assertEquals(2, other.network());
  }

  @Test
  void allocate_neverReusesLiveNumber() {
    InstanceAllocator allocator = new InstanceAllocator();
    allocator.markLive(SixpnAddress.ofInstance(1, 1, 1));
    allocator.markLive(SixpnAddress.ofInstance(1, 1, 2));
    SixpnAddress a = allocator.allocate(1, 1);
    assertEquals(3, a.instance());
    allocator.release(SixpnAddress.ofInstance(1, 1, 1));
    assertFalse(allocator.isLive(SixpnAddress.ofInstance(1, 1, 1)));
    // released numbers come back only after the counter wraps: 4 next, not 1
    assertEquals(4, allocator.allocate(1, 1).instance());
  }

  @Test
  void allocate_skipsLiveNumbers() {
    InstanceAllocator allocator = new InstanceAllocator();
    allocator.markLive(SixpnAddress.ofInstance(1, 1, 0xffff_ffffL));
    allocator.markLive(SixpnAddress.ofInstance(1, 1, 1));
    SixpnAddress a = allocator.allocate(1, 1);
    assertNotEquals(1, a.instance());
    assertTrue(allocator.isLive(a));
  }

  @Test
  void release_ofUnknownIsNoOp() {
    new InstanceAllocator().release(SixpnAddress.ofInstance(9, 9, 9));
  }
}
