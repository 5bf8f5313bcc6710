package dev.sixpn.dataplane.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner against real processes: timeouts that fire, bounded output, exit codes, stderr. */
class ExecTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  @TempDir Path dir;

  /**
   * Files where a test's shell wrote the pid of a background child, killed after the test whatever
   * its outcome (the runner cannot reach a child that left its process tree).
   */
  private final List<Path> pidFiles = new ArrayList<>();

  @AfterEach
  void killStrays() throws IOException {
    for (Path f : pidFiles) {
      if (Files.exists(f)) {
        ProcessHandle.of(Long.parseLong(Files.readString(f).strip()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private Path pidFile() {
    Path f = dir.resolve("bg" + pidFiles.size() + ".pid");
    pidFiles.add(f);
    return f;
  }

  @Test
  void run_hungChildFailsWithinTheTimeout() {
    long start = System.nanoTime();
    Exec.CommandException e =
        assertThrows(
            Exec.CommandException.class,
            () -> Exec.command("sleep", "60").timeout(ONE_SECOND).run());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 2_500, "took " + ms + " ms");
    assertTrue(e.getMessage().contains("'sleep 60' did not finish in 1 s"), e.getMessage());
  }

  @Test
  void run_childWhoseChildHoldsStdoutFailsInTimeAndBothAreKilled() throws Exception {
    Path pidFile = pidFile();
    long start = System.nanoTime();
    Exec.CommandException e =
        assertThrows(
            Exec.CommandException.class,
            () ->
                Exec.command("sh", "-c", "sleep 61 & echo $! > " + pidFile + "; exec sleep 60")
                    .timeout(ONE_SECOND)
                    .run());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 2_500, "took " + ms + " ms");
    assertTrue(e.getMessage().contains("did not finish in 1 s"), e.getMessage());
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertTrue(gone(pid, Duration.ofSeconds(2)), "background child " + pid + " still runs");
  }

  /**
   * The child exits at once; its background child keeps the pipe open and cannot be found any more
   * (re-parented). Either outcome is in time: the JDK closes a process's pipes when it exits unless
   * a read is already blocked on them, so the readers see end-of-file at once, or they hold until
   * the deadline and the call fails.
   */
  @Test
  void run_exitedChildWhoseChildKeepsStdoutOpenReturnsOrFailsInTime() throws Exception {
    Path pidFile = pidFile();
    long start = System.nanoTime();
    try {
      Exec.Result r =
          Exec.command("sh", "-c", "sleep 60 & echo $! > " + pidFile + "; echo done")
              .timeout(ONE_SECOND)
              .run();
      assertEquals(0, r.exit());
    } catch (Exec.CommandException e) {
      assertTrue(
          e.getMessage().contains("exited 0 but its output stayed open past the 1 s timeout"),
          e.getMessage());
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 2_500, "took " + ms + " ms");
  }

  @Test
  void run_floodingChildIsTruncatedNotBuffered() {
    Exec.Result r = Exec.command("head", "-c", "50000000", "/dev/zero").run();
    assertTrue(r.ok());
    assertTrue(r.truncated());
    assertEquals(Exec.MAX_OUTPUT_BYTES, r.stdout().length());
    assertEquals("", r.stderr());
  }

  @Test
  void run_smallOutputIsWholeAndNotTruncated() {
    Exec.Result r = Exec.command("seq", "1", "100000").run();
    assertFalse(r.truncated());
    assertEquals(100_000, r.stdout().lines().count());
  }

  @Test
  void run_exitCodeAndStderrAreReported() {
    Exec.Result r = Exec.command("sh", "-c", "echo out; echo oops >&2; exit 3").run();
    assertFalse(r.ok());
    assertEquals(3, r.exit());
    assertEquals("out\n", r.stdout());
    assertEquals("oops\n", r.stderr());
    Exec.CommandException e =
        assertThrows(Exec.CommandException.class, () -> r.orThrow("try again"));
    assertEquals(
        "'sh -c echo out; echo oops >&2; exit 3' exited 3: oops (try again)", e.getMessage());
  }

  @Test
  void run_mergedStderrComesInStdout() {
    Exec.Result r = Exec.command("sh", "-c", "echo out; echo err >&2; exit 1").mergeStderr().run();
    assertEquals("out\nerr\n", r.stdout());
    assertEquals("", r.stderr());
    assertTrue(
        assertThrows(Exec.CommandException.class, () -> r.orThrow(""))
            .getMessage()
            .endsWith("exited 1: out\nerr"));
  }

  @Test
  void run_stdinIsEmptyNotInherited() {
    Exec.Result r = Exec.command("cat").timeout(ONE_SECOND).run();
    assertTrue(r.ok());
    assertEquals("", r.stdout());
  }

  @Test
  void run_environmentIsPassed() {
    assertEquals(
        "v\n",
        Exec.command("sh", "-c", "echo $SIXPN_TEST_VAR").env("SIXPN_TEST_VAR", "v").run().stdout());
  }

  @Test
  void run_missingToolIsNamed() {
    Exec.CommandException e =
        assertThrows(
            Exec.CommandException.class, () -> Exec.run(List.of("sixpn-no-such-tool", "x")));
    assertTrue(e.getMessage().startsWith("cannot run 'sixpn-no-such-tool x': "), e.getMessage());
  }

  @Test
  void argv_namedNamespaceIsOneNsenterAndCurrentIsNone() {
    assertEquals(
        List.of("nsenter", "--net=/run/netns/h1", "--", "ip", "-o", "link"),
        Netns.named("h1").command("ip", "-o", "link").argv());
    assertEquals(List.of("ip", "link"), Netns.CURRENT.command("ip", "link").argv());
    assertEquals(
        List.of("nsenter", "--net=/run/netns/h1", "--", "-x"),
        Netns.named("h1").wrap(List.of("-x")));
  }

  @Test
  void timeout_mustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> Exec.command("true").timeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Exec.command(List.of()));
  }

  @Test
  void start_longRunningOutputGoesToTheFile() throws Exception {
    Path log = dir.resolve("out.log");
    Process p =
        Exec.command("sh", "-c", "echo hello; echo problem >&2")
            .mergeStderr()
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals("hello\nproblem\n", Files.readString(log));
  }

  @Test
  void start_missingToolFailsWithTheSameMessage() {
    Exec.CommandException e =
        assertThrows(Exec.CommandException.class, () -> Exec.command("sixpn-no-such-tool").start());
    assertTrue(e.getMessage().startsWith("cannot run 'sixpn-no-such-tool'"), e.getMessage());
  }

  /** Whether {@code pid} is gone or a zombie (killed, waiting for a reaper that is not us). */
  private static boolean gone(long pid, Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
          return true;
        }
      } catch (IOException e) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
