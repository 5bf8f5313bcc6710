package dev.sixpn.dataplane.link;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the host's links live: the agent's own network namespace (production), or a named one under
 * {@code /run/netns} (several simulated hosts on one machine).
 *
 * <p>Commands enter a named namespace with {@code nsenter --net=/run/netns/NAME}, not {@code ip
 * netns exec} or {@code tc -n}: those also remount {@code /sys} in a private mount namespace, so
 * bpffs pins under {@code /sys/fs/bpf} would vanish for the command.
 *
 * @param name the namespace name, or empty for the current one
 */
public record Netns(Optional<String> name) {

  public static final Netns CURRENT = new Netns(Optional.empty());

  public Netns {
    name.ifPresent(
        n -> {
          if (n.isEmpty() || n.contains("/")) {
            throw new IllegalArgumentException("netns name must be a plain name, got '" + n + "'");
          }
        });
  }

  public static Netns named(String name) {
    return new Netns(Optional.of(name));
  }

  public Path path() {
    return Path.of("/run/netns", name.orElseThrow());
  }

  public boolean exists() {
    return name.isEmpty() || Files.exists(path());
  }

  /**
   * {@code command}, run inside this namespace: the one place a command is wrapped in {@code
   * nsenter} (every process sixpn starts goes through {@link Exec.Command#in}).
   */
  public List<String> wrap(List<String> command) {
    if (name.isEmpty()) {
      return command;
    }
    List<String> out = new ArrayList<>(command.size() + 3);
    out.add("nsenter");
    out.add("--net=" + path());
    out.add("--"); // a command starting with '-' stays the command
    out.addAll(command);
    return out;
  }

  /** {@code command} to run in this namespace, with {@link Exec}'s options. */
  public Exec.Command command(String... command) {
    return Exec.command(command).in(this);
  }

  /** Runs {@code command} in this namespace with {@link Exec#DEFAULT_TIMEOUT}. */
  public Exec.Result run(String... command) {
    return command(command).run();
  }

  @Override
  public String toString() {
    return name.orElse("<current>");
  }
}
