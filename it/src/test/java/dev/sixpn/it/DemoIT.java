package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code sixpn demo --exit --hostile}, the README's one command, as a user runs it: the assembled
 * jar, a broker, two host agents in network namespaces with BPF and wireguard-go, five instances,
 * the README's examples run from inside them; then hostile events for host 1 and the checks that it
 * is unharmed. Needs root; under CI=true a missing capability fails.
 */
class DemoIT {

  @Test
  void demo_allChecksPassAndNothingIsLeftBehind() throws Exception {
    Requirements.require("DemoIT", missingCapability());
    String text =
        demo(Duration.ofMinutes(5), "--exit", "--hostile", "--big-app", "--outage", "--peers");
    assertTrue(text.contains("sixpn demo: all checks passed."), text);
    assertFalse(text.contains("[FAIL]"), text);
    assertTrue(text.contains("[ok]   ...and host 1 is exactly as before"), text);
    assertTrue(
        text.contains(
            "[ok]   a legitimate instance started afterwards resolves from the other host"),
        text);
    assertTrue(text.contains("[ok]   after sixpn peer remove the laptop reaches nothing"), text);
    String namespaces = run("ip", "netns", "list");
    assertFalse(
        namespaces.lines().anyMatch(l -> l.startsWith("spn")),
        "demo namespaces left: " + namespaces);
    assertFalse(
        run("pgrep", "-fa", "wireguard-go -f spn").contains("wireguard-go"),
        "wireguard-go left running");
  }

  /**
   * Runs {@code sixpn demo} of the assembled jar with {@code args}, prints its output and returns
   * it; fails unless it exits 0 within {@code timeout}.
   */
  static String demo(Duration timeout, String... args) throws Exception {
    List<String> cmd = SixpnJar.command();
    cmd.add("demo");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), "demo did not finish");
    String text = new String(out, StandardCharsets.UTF_8);
    System.out.println(text);
    assertEquals(0, p.exitValue(), text);
    return text;
  }

  static String missingCapability() throws Exception {
    if (!run("id", "-u").strip().equals("0")) {
      return "needs root (network namespaces, BPF, WireGuard)";
    }
    for (String tool : List.of("ip", "nsenter", "tc", "wireguard-go", "dig", "ping", "clang")) {
      if (run("sh", "-c", "command -v " + tool).isBlank()) {
        return tool + " is not installed (scripts/install-deps.sh)";
      }
    }
    if (!Files.exists(Path.of(System.getProperty("sixpn.jar")))) {
      return "the assembled jar is missing: " + System.getProperty("sixpn.jar");
    }
    return null;
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
