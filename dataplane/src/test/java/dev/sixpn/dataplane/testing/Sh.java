package dev.sixpn.dataplane.testing;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import java.util.List;

/** Test shell helpers over {@link Exec}: commands here or in a namespace ({@link Netns#wrap}). */
public final class Sh {

  private Sh() {}

  public static Exec.Result in(String netns, String... cmd) {
    return Netns.named(netns).run(cmd);
  }

  public static void mustIn(String netns, String... cmd) {
    in(netns, cmd).orThrow("");
  }

  public static Exec.Result run(String... cmd) {
    return Exec.run(List.of(cmd));
  }

  public static void must(String... cmd) {
    run(cmd).orThrow("");
  }
}
