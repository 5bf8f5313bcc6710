package dev.sixpn.dns.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the real {@code dig} binary (Debian dnsutils / bind9-dnsutils). Without it the tests are
 * skipped with the reason printed, except under {@code CI=true}, where a missing dig fails.
 */
public final class Dig {

  private Dig() {}

  /** Skips (or fails under CI) unless dig is on the PATH. */
  public static void requireDig() {
    boolean found = false;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      found |= Files.isExecutable(Path.of(dir, "dig"));
    }
    Requires.that(
        found,
        "the dig binary is not installed (apt-get install --no-install-recommends dnsutils)");
  }

  /** Runs {@code dig @server -p port args...} and returns its standard output. */
  public static String run(String server, int port, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of("dig", "@" + server, "-p", Integer.toString(port), "+time=2", "+tries=1"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    // read while dig runs: a large answer (thousands of records) would fill the pipe and block it
    CompletableFuture<byte[]> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getInputStream().readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("dig did not finish: " + cmd);
    }
    try {
      return new String(output.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("reading dig's output: " + cmd, e);
    }
  }

  /** The non-empty lines of {@code +short} output. */
  public static List<String> lines(String output) {
    return output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }
}
