package dev.sixpn.demo;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import java.time.Duration;
import java.util.List;

/**
 * The demo's commands, run by the dataplane's {@link Exec} with stderr merged into the output and a
 * minute's timeout; a failure to run is a result, not an exception, so checks can print it.
 */
public final class Shell {

  static final Duration TIMEOUT = Duration.ofSeconds(60);

  public record Result(int code, String output) {
    public boolean ok() {
      return code == 0;
    }
  }

  private Shell() {}

  public static Result run(String... command) {
    try {
      Exec.Result r = Exec.command(command).mergeStderr().timeout(TIMEOUT).run();
      return new Result(r.exit(), r.stdout());
    } catch (Exec.CommandException e) {
      return new Result(-1, e.getMessage());
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

  /** The command run inside network namespace {@code netns} ({@link Netns#wrap}). */
  static String[] in(String netns, String... command) {
    return Netns.named(netns).wrap(List.of(command)).toArray(String[]::new);
  }
}
