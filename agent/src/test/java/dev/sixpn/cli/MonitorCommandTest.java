package dev.sixpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.Bpf;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.link.Exec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code sixpn monitor} on real programs: loaded into a pin directory of the test's own, a drop
 * made with BPF_PROG_TEST_RUN (the packet arrives on lo, and no host is configured), and the line
 * the command prints for it. Needs root and bpftool; under CI=true their absence fails.
 */
class MonitorCommandTest {

  @Test
  void monitor_dropWhileListening_printsOneLineWithReasonAddressesAndProtocol() throws Exception {
    String problem = missing();
    if (problem != null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true but MonitorCommandTest cannot run here: " + problem);
      }
      System.out.println("MonitorCommandTest skipped: " + problem);
      abort(problem);
    }
    Path dir = Path.of("/sys/fs/bpf", "sixpn-test-monitor-" + ProcessHandle.current().pid());
    ProgramLoader.Pins pins = ProgramLoader.ensureLoaded(dir);
    int prog = Bpf.objGet(pins.program(ProgramLoader.FROM_INSTANCE).toString());
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CompletableFuture<Integer> monitor =
          CompletableFuture.supplyAsync(
              () ->
                  SixpnCommand.execute(
                      new String[] {"monitor", "--pin-dir", dir.toString(), "--count", "1"},
                      new PrintWriter(out, true),
                      new PrintWriter(err, true)));
      SixpnAddress src = SixpnAddress.ofInstance(1, 7, 1);
      SixpnAddress dst = SixpnAddress.ofInstance(2, 7, 1);
      byte[] packet = udp(src.toBytes(), dst.toBytes());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      // The monitor skips what is in the ring when it opens: drop until it has seen one.
      while (!monitor.isDone()) {
        assertTrue(System.nanoTime() < deadline, "no line from the monitor: " + err);
        assertEquals(2, Bpf.testRun(prog, packet).retval(), "TC_ACT_SHOT");
        Thread.sleep(50);
      }
      assertEquals(0, monitor.get(), err.toString());
      String line = out.toString().strip();
      assertEquals(1, line.lines().count(), line);
      assertTrue(
          line.matches(
              "\\d\\d:\\d\\d:\\d\\d\\.\\d{6} drop not_configured from lo "
                  + src
                  + " -> "
                  + dst
                  + " udp len "
                  + packet.length
                  + "( \\(\\+\\d+ suppressed before\\))?"),
          line);
    } finally {
      Bpf.close(prog);
      ProgramLoader.unpin(dir);
    }
  }

  private static String missing() {
    if (!Exec.run(java.util.List.of("id", "-u")).stdout().strip().equals("0")) {
      return "needs root (BPF)";
    }
    if (!Exec.run(java.util.List.of("sh", "-c", "command -v bpftool")).ok()) {
      return "bpftool is not installed";
    }
    return null;
  }

  /** Ethernet + IPv6 + UDP with an empty payload (the checksum does not matter to a drop). */
  private static byte[] udp(byte[] src, byte[] dst) {
    ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8);
    b.put(new byte[12]).putShort((short) 0x86dd);
    b.putInt(0x6000_0000).putShort((short) 8).put((byte) 17).put((byte) 64).put(src).put(dst);
    b.putShort((short) 5353).putShort((short) 53).putShort((short) 8).putShort((short) 0);
    return b.array();
  }
}
