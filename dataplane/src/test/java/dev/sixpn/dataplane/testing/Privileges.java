package dev.sixpn.dataplane.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need root, BPF, TUN and the tools: skipped with the reason printed when this machine
 * cannot run them, but FAILED when {@code CI=true} (CI must have them; a skip would hide it).
 */
public final class Privileges {

  private Privileges() {}

  public static void requireKernelAndTools(String... tools) {
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("root (uid 0)");
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      missing.add("/dev/net/tun");
    }
    for (String tool : tools) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    if (missing.isEmpty() && !bpfSyscallUsable()) {
      missing.add(
          "the bpf(2) syscall (EPERM/ENOSYS: no CAP_BPF, a seccomp filter, or CONFIG_BPF_SYSCALL off)");
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "needs " + String.join(", ", missing);
    System.out.println("SKIPPED (or FAILED under CI=true): " + reason);
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and " + reason);
    }
    Assumptions.abort(reason);
  }

  public static void requireTools(String... tools) {
    for (String tool : tools) {
      if (!onPath(tool)) {
        String reason = "needs " + tool + " on the PATH";
        System.out.println("SKIPPED (or FAILED under CI=true): " + reason);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          Assertions.fail("CI=true and " + reason);
        }
        Assumptions.abort(reason);
      }
    }
  }

  /** BPF_OBJ_GET of a path that does not exist: ENOENT means the syscall itself is allowed. */
  static boolean bpfSyscallUsable() {
    try {
      dev.sixpn.dataplane.bpf.Bpf.objGet("/sys/fs/bpf/sixpn-probe-does-not-exist");
      return true;
    } catch (dev.sixpn.dataplane.bpf.BpfException e) {
      return e.errno() != dev.sixpn.dataplane.bpf.Errno.EPERM
          && e.errno() != dev.sixpn.dataplane.bpf.Errno.ENOSYS;
    }
  }

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
