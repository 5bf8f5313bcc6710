package dev.sixpn.dataplane.link;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one way sixpn starts a process: a system tool run to completion with a timeout ({@link
 * Command#run()}), or a long-running one the caller owns ({@link Command#start()}). Both enter a
 * network namespace the same way ({@link Netns#wrap}), never inherit the caller's stdin unless
 * told, and fail with a {@link CommandException} naming the command and how to fix it.
 *
 * <p>{@code run} reads stdout and stderr on their own virtual threads while it waits, so the
 * timeout fires even when a hung child keeps its output open; on timeout the process and its
 * descendants are killed. Each stream keeps at most {@link #MAX_OUTPUT_BYTES}: a child that floods
 * is drained (it never blocks on a full pipe) but cannot fill the heap.
 */
public final class Exec {

  /** How long {@link #run(List)} and {@link Command#run()} wait unless told otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Bytes kept of each of stdout and stderr (4 MiB: a thousand routes in {@code ip -j} or an
   * object's whole BTF in {@code bpftool -j} are far below it); the rest is read and dropped.
   */
  public static final int MAX_OUTPUT_BYTES = 4 << 20;

  /**
   * After a kill, how long the readers may take to see end-of-file: a descendant that escaped the
   * kill (it left the process tree) may hold the pipe open forever, and the caller must not wait
   * for it.
   */
  private static final Duration DRAIN_AFTER_KILL = Duration.ofSeconds(1);

  /** Debian packages of the tools sixpn runs, for the "cannot run" hint. */
  private static final Map<String, String> PACKAGES =
      Map.ofEntries(
          Map.entry("ip", "iproute2"),
          Map.entry("tc", "iproute2"),
          Map.entry("bpftool", "bpftool"),
          Map.entry("nsenter", "util-linux"),
          Map.entry("mount", "util-linux"),
          Map.entry("wireguard-go", "wireguard-go"),
          Map.entry("wg", "wireguard-tools"),
          Map.entry("ping", "iputils-ping"),
          Map.entry("dig", "dnsutils"),
          Map.entry("iperf3", "iperf3"),
          Map.entry("clang", "clang"));

  private Exec() {}

  /**
   * The outcome of a finished command.
   *
   * @param command the argv as run (with its {@code nsenter} prefix, if any)
   * @param stdout empty when stdout was redirected away (or merged stderr, see {@link
   *     Command#mergeStderr()})
   * @param truncated whether stdout or stderr exceeded {@link #MAX_OUTPUT_BYTES} and lost its tail
   */
  public record Result(
      List<String> command, int exit, String stdout, String stderr, boolean truncated) {

    public Result {
      command = List.copyOf(command);
    }

    public boolean ok() {
      return exit == 0;
    }

    /** Throws unless the command succeeded; {@code fix} is appended to the message. */
    public Result orThrow(String fix) {
      if (exit != 0) {
        String why = stderr.isBlank() ? stdout : stderr;
        throw new CommandException(
            "'"
                + String.join(" ", command)
                + "' exited "
                + exit
                + ": "
                + why.strip()
                + (fix.isEmpty() ? "" : " (" + fix + ")"));
      }
      return this;
    }
  }

  /** A command that could not be run, did not finish in time, or failed. */
  public static final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandException(String message) {
      super(message);
    }

    public CommandException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** {@code command} in the current namespace with the {@link #DEFAULT_TIMEOUT}. */
  public static Result run(List<String> command) {
    return command(command).run();
  }

  public static Command command(String... command) {
    return command(List.of(command));
  }

  public static Command command(List<String> command) {
    return new Command(command);
  }

  /**
   * A command to run; set its options, then {@link #run()} or {@link #start()} it (either may be
   * called more than once).
   */
  public static final class Command {

    private final List<String> command;
    private Netns netns = Netns.CURRENT;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean mergeStderr;
    private boolean inheritIo;
    private ProcessBuilder.Redirect stdout = ProcessBuilder.Redirect.PIPE;
    private ProcessBuilder.Redirect stderr = ProcessBuilder.Redirect.PIPE;
    private final Map<String, String> environment = new LinkedHashMap<>();

    private Command(List<String> command) {
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command must not be empty");
      }
      this.command = List.copyOf(command);
    }

    /** Runs the command inside {@code netns} ({@link Netns#wrap}). */
    public Command in(Netns netns) {
      this.netns = netns;
      return this;
    }

    /** How long {@link #run()} waits before it kills the process tree and fails. */
    public Command timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** stderr goes where stdout goes (into {@link Result#stdout()} for {@code run}). */
    public Command mergeStderr() {
      this.mergeStderr = true;
      return this;
    }

    /** Where stdout goes instead of into the result, e.g. {@code Redirect.appendTo(log)}. */
    public Command redirectOutput(ProcessBuilder.Redirect to) {
      this.stdout = to;
      return this;
    }

    /** Where stderr goes instead of into the result, e.g. {@code Redirect.DISCARD}. */
    public Command redirectError(ProcessBuilder.Redirect to) {
      this.stderr = to;
      return this;
    }

    /** stdin, stdout and stderr are this JVM's (an interactive child such as the demo's). */
    public Command inheritIo() {
      this.inheritIo = true;
      return this;
    }

    public Command env(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** The argv as it will be run, with the namespace's {@code nsenter} prefix. */
    public List<String> argv() {
      return netns.wrap(command);
    }

    /**
     * Runs the command to completion; a non-zero exit is a {@link Result}, not an exception (see
     * {@link Result#orThrow}).
     *
     * @throws CommandException if it cannot start, or does not finish (output included) within the
     *     timeout; the process and its descendants are then killed
     */
    public Result run() {
      List<String> argv = argv();
      Process p = spawn(argv);
      Reader out = Reader.of(p.getInputStream(), stdoutPiped(), argv, "stdout");
      Reader err = Reader.of(p.getErrorStream(), stderrPiped(), argv, "stderr");
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
          killTree(p);
          out.awaitAfterKill();
          err.awaitAfterKill();
          throw new CommandException(
              "'"
                  + String.join(" ", argv)
                  + "' did not finish in "
                  + seconds(timeout)
                  + " (killed it and its children)");
        }
        long left = Math.max(0, deadline - System.nanoTime());
        byte[] o = out.await(left);
        byte[] e = err.await(Math.max(0, deadline - System.nanoTime()));
        if (o == null || e == null) {
          throw new CommandException(
              "'"
                  + String.join(" ", argv)
                  + "' exited "
                  + p.exitValue()
                  + " but its output stayed open past the "
                  + seconds(timeout)
                  + " timeout (a background child of it holds stdout or stderr)");
        }
        return new Result(
            argv,
            p.exitValue(),
            new String(o, StandardCharsets.UTF_8),
            new String(e, StandardCharsets.UTF_8),
            out.truncated() || err.truncated());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        killTree(p);
        throw new CommandException(
            "interrupted while running '" + String.join(" ", argv) + "'", ex);
      }
    }

    /**
     * Starts a long-running process the caller owns (no timeout applies): same namespace wrapping,
     * stdin and errors as {@link #run()}. Output not redirected is the caller's to read.
     */
    public Process start() {
      return spawn(argv());
    }

    private boolean stdoutPiped() {
      return !inheritIo && stdout == ProcessBuilder.Redirect.PIPE;
    }

    private boolean stderrPiped() {
      return !inheritIo && !mergeStderr && stderr == ProcessBuilder.Redirect.PIPE;
    }

    private Process spawn(List<String> argv) {
      ProcessBuilder pb = new ProcessBuilder(argv);
      if (inheritIo) {
        pb.inheritIO();
      } else {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(stdout)
            .redirectError(stderr)
            .redirectErrorStream(mergeStderr);
      }
      pb.environment().putAll(environment);
      try {
        return pb.start();
      } catch (IOException e) {
        String tool = argv.getFirst();
        String pkg = PACKAGES.get(tool);
        throw new CommandException(
            "cannot run '"
                + String.join(" ", argv)
                + "': "
                + e.getMessage()
                + (pkg == null
                    ? ""
                    : " (install it: apt-get install --no-install-recommends " + pkg + ")"),
            e);
      }
    }
  }

  /**
   * Kills {@code p} and every descendant. The descendants are listed before the parent dies: once
   * it is gone they are re-parented and no longer found.
   */
  static void killTree(Process p) {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    p.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      p.waitFor(DRAIN_AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /**
   * Drains one stream on its own virtual thread, keeping the first {@link #MAX_OUTPUT_BYTES}.
   * Virtual, not the common pool: with 2 cores its parallelism is 1, and a blocked reader there
   * would stall every other command's.
   */
  private static final class Reader {

    private static final Reader NONE = new Reader();

    private final CompletableFuture<byte[]> bytes = new CompletableFuture<>();
    private volatile boolean truncated;

    private Reader() {
      bytes.complete(new byte[0]);
    }

    private Reader(InputStream in, List<String> argv, String name) {
      Thread.ofVirtual()
          .name("sixpn-exec-" + name)
          .start(
              () -> {
                ByteArrayOutputStream kept = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                try (in) {
                  for (int n; (n = in.read(buf)) >= 0; ) {
                    int room = MAX_OUTPUT_BYTES - kept.size();
                    if (n > room) {
                      truncated = true;
                    }
                    kept.write(buf, 0, Math.min(n, room));
                  }
                  bytes.complete(kept.toByteArray());
                } catch (IOException e) {
                  bytes.completeExceptionally(
                      new CommandException(
                          "reading the " + name + " of '" + String.join(" ", argv) + "' failed",
                          e));
                }
              });
    }

    static Reader of(InputStream in, boolean piped, List<String> argv, String name) {
      return piped ? new Reader(in, argv, name) : NONE;
    }

    boolean truncated() {
      return truncated;
    }

    /** The bytes read, or null if the stream is still open after {@code nanos}. */
    byte[] await(long nanos) throws InterruptedException {
      try {
        return bytes.get(nanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return null;
      } catch (ExecutionException e) {
        throw (CommandException) e.getCause();
      }
    }

    /** Lets the reader see end-of-file after a kill; what it read no longer matters. */
    void awaitAfterKill() throws InterruptedException {
      try {
        await(DRAIN_AFTER_KILL.toNanos());
      } catch (CommandException ignored) {
        // the timeout is the failure to report
      }
    }
  }
}
