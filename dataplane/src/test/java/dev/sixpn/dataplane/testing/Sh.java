package dev.sixpn.dataplane.testing;

import dev.sixpn.dataplane.link.Exec;
import java.util.ArrayList;
import java.util.List;

/** Test shell helpers: commands in a namespace via nsenter (keeps the bpffs mount visible). */
public final class Sh {

  private Sh() {}

  public static Exec.Result in(String netns, String... cmd) {
    List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns));
    c.addAll(List.of(cmd));
    return Exec.run(c);
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
