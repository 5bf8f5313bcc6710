package dev.sixpn.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a timeout; output and exit code come back together. */
public final class Shell {

  public record Result(int code, String output) {
    public boolean ok() {
      return code == 0;
    }
  }

  private Shell() {}

  public static Result run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", command));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  public static String must(String... command) {
    Result r = run(command);
    if (!r.ok()) {
      throw new IllegalStateException(
          "`" + String.join(" ", command) + "` failed (" + r.code() + "): " + r.output().strip());
    }
    return r.output();
  }

  public static boolean isRoot() {
    return "0".equals(run("id", "-u").output().strip());
  }

  public static boolean onPath(String tool) {
    return run("sh", "-c", "command -v " + tool).ok();
  }

  /**
   * The command run inside network namespace {@code netns}; nsenter keeps /sys (and bpffs pins).
   */
  static String[] in(String netns, String... command) {
    List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns, "--"));
    c.addAll(List.of(command));
    return c.toArray(String[]::new);
  }
}
