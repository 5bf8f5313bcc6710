package dev.sixpn.dataplane.bpf;

import dev.sixpn.dataplane.link.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The BPF filesystem pins live in; mounted on demand at its standard place, as Cilium does. */
public final class Bpffs {

  public static final Path DEFAULT = Path.of("/sys/fs/bpf");

  private static final Logger log = LoggerFactory.getLogger(Bpffs.class);

  private Bpffs() {}

  public static boolean isMountedFor(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[2].equals("bpf") && abs.startsWith(Path.of(f[1]))) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  public static void ensureMounted(Path pinDir) {
    if (isMountedFor(pinDir)) {
      return;
    }
    if (pinDir.toAbsolutePath().normalize().startsWith(DEFAULT)) {
      Exec.Result r = Exec.run(java.util.List.of("mount", "-t", "bpf", "bpf", DEFAULT.toString()));
      if (r.ok() && isMountedFor(pinDir)) {
        log.info("bpffs mounted at {}", DEFAULT);
        return;
      }
    }
    throw new BpfException(
        "bpffs not mounted for "
            + pinDir
            + ": run mount -t bpf bpf /sys/fs/bpf (as root) and pin under it");
  }
}
