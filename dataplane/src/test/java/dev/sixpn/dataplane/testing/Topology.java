package dev.sixpn.dataplane.testing;

import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * Records everything a test creates (namespaces, pins, directories, processes) and removes it in
 * reverse order on close, each step on its own so one failure does not leave the rest behind.
 */
public final class Topology implements AutoCloseable {

  private final Deque<Runnable> undo = new ArrayDeque<>();

  public void netns(String name) {
    Sh.must("ip", "netns", "add", name);
    undo.push(() -> Sh.run("ip", "netns", "del", name));
    // No DAD: addresses are usable at once (no 1 s of "tentative").
    Sh.mustIn(
        name,
        "sh",
        "-c",
        "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; ip link set lo up");
  }

  public void pins(Path dir) {
    undo.push(() -> ProgramLoader.unpin(dir));
  }

  public void directory(Path dir) {
    undo.push(() -> deleteTree(dir));
  }

  public void process(ProcessHandle p) {
    undo.push(
        () -> {
          p.destroy();
          try {
            p.onExit().get(3, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            p.destroyForcibly();
          }
        });
  }

  public void onClose(Runnable r) {
    undo.push(r);
  }

  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("cleanup: cannot remove " + dir + ": " + e);
    }
  }

  @Override
  public void close() {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        System.err.println("cleanup step failed: " + e);
      }
    }
  }
}
