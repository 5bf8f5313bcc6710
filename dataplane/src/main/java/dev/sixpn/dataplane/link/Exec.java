package dev.sixpn.dataplane.link;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs a system tool (ip, tc, bpftool) and fails with its stderr and a fix when it fails. */
public final class Exec {

  private static final long TIMEOUT_SECONDS = 20;

  private Exec() {}

  /** The outcome of a finished command. */
  public record Result(List<String> command, int exit, String stdout, String stderr) {
    public boolean ok() {
      return exit == 0;
    }

    /** Throws unless the command succeeded; {@code fix} is appended to the message. */
    public Result orThrow(String fix) {
      if (exit != 0) {
        throw new CommandException(
            "'"
                + String.join(" ", command)
                + "' exited "
                + exit
                + ": "
                + stderr.strip()
                + (fix.isEmpty() ? "" : " (" + fix + ")"));
      }
      return this;
    }
  }

  /** A failed command. */
  public static final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandException(String message) {
      super(message);
    }

    public CommandException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static Result run(List<String> command) {
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new CommandException(
          "cannot run '"
              + command.getFirst()
              + "': "
              + e.getMessage()
              + " (install iproute2, bpftool and util-linux: apt-get install --no-install-recommends"
              + " iproute2 bpftool util-linux)",
          e);
    }
    // Own thread, not the common pool: with 2 cores its parallelism is 1 and any blocking task
    // there would stall every command's stderr reader.
    CompletableFuture<byte[]> err = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> err.complete(readAll(p, true)));
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new CommandException(
            "'" + String.join(" ", command) + "' did not finish in " + TIMEOUT_SECONDS + " s");
      }
      return new Result(
          List.copyOf(command),
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err.get(), StandardCharsets.UTF_8));
    } catch (IOException | ExecutionException e) {
      throw new CommandException(
          "reading the output of '" + String.join(" ", command) + "' failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new CommandException(
          "interrupted while running '" + String.join(" ", command) + "'", e);
    }
  }

  private static byte[] readAll(Process p, boolean stderr) {
    try {
      return (stderr ? p.getErrorStream() : p.getInputStream()).readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }
}
