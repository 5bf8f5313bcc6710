package dev.sixpn.dataplane.bpf;

import dev.sixpn.dataplane.link.Exec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the dataplane's BPF object and pins it in bpffs: {@code
 * <dir>/progs/{from_instance,from_mesh,from_underlay,from_peer}} and {@code <dir>/maps/sixpn_*}. A
 * restart reuses the pinned maps (attached programs keep forwarding meanwhile; the reconciler
 * corrects whatever changed while the agent was away). One directory per host lets several
 * simulated hosts share a machine.
 */
public final class ProgramLoader {

  public static final String OBJECT_RESOURCE = "/dev/sixpn/dataplane/bpf/sixpn.bpf.o";
  public static final String FROM_INSTANCE = "from_instance";
  public static final String FROM_MESH = "from_mesh";
  public static final String FROM_UNDERLAY = "from_underlay";
  public static final String FROM_PEER = "from_peer";
  public static final List<String> PROGRAMS =
      List.of(FROM_INSTANCE, FROM_MESH, FROM_UNDERLAY, FROM_PEER);
  public static final List<String> MAPS =
      List.of(
          "sixpn_config",
          "sixpn_links",
          "sixpn_locals",
          "sixpn_drops",
          "sixpn_dropring",
          "sixpn_droprate");

  private static final Logger log = LoggerFactory.getLogger(ProgramLoader.class);

  /** Where one host's programs and maps are pinned. */
  public record Pins(Path dir) {
    public Path program(String name) {
      return dir.resolve("progs").resolve(name);
    }

    public Path map(String name) {
      return dir.resolve("maps").resolve(name);
    }

    boolean complete() {
      return PROGRAMS.stream().allMatch(p -> Files.exists(program(p)))
          && MAPS.stream().allMatch(m -> Files.exists(map(m)));
    }
  }

  private ProgramLoader() {}

  /** Loads with fresh maps (tests, tools): any existing pins are replaced. */
  public static Pins ensureLoaded(Path pinDir) {
    return ensureLoaded(pinDir, pins -> true);
  }

  /**
   * Loads the programs of this build and pins them. Maps already pinned and {@code mapsCompatible}
   * (same layouts) are reused, contents and all: the programs are always the ones in this jar (an
   * upgrade takes effect on restart, when the reconciler re-attaches every link with {@code tc
   * filter replace}), while the state the running programs use survives. If the pinned maps have
   * another layout they are replaced and the reconciler refills them.
   */
  public static Pins ensureLoaded(Path pinDir, Predicate<Pins> mapsCompatible) {
    Bpffs.ensureMounted(pinDir);
    Pins pins = new Pins(pinDir);
    boolean reuse =
        MAPS.stream().allMatch(m -> Files.exists(pins.map(m))) && mapsCompatible.test(pins);
    if (!reuse) {
      unpin(pinDir);
    }
    Path object = extractObject();
    try {
      Files.createDirectories(pinDir);
      if (reuse) {
        reloadPrograms(pins, object);
      } else {
        bpftool(
            List.of(
                "bpftool",
                "prog",
                "loadall",
                object.toString(),
                pinDir.resolve("progs").toString(),
                "type",
                "classifier",
                "pinmaps",
                pinDir.resolve("maps").toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the pin directory " + pinDir + " (as root)", e);
    } finally {
      try {
        Files.deleteIfExists(object);
      } catch (IOException ignored) {
        // a temp file; harmless if left
      }
    }
    if (!pins.complete()) {
      throw new BpfException(
          "bpftool loaded "
              + OBJECT_RESOURCE
              + " but the pins under "
              + pinDir
              + " are incomplete");
    }
    log.info("bpf programs loaded dir={} mapsReused={}", pinDir, reuse);
    return pins;
  }

  /**
   * New programs bound to the pinned maps, pinned next to the old ones and renamed over them (bpffs
   * names may not contain dots, hence progs_next). Attached filters keep running the old programs
   * until re-attached.
   */
  private static void reloadPrograms(Pins pins, Path object) throws IOException {
    Path next = pins.dir().resolve("progs_next");
    unpin(next);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "bpftool",
                "prog",
                "loadall",
                object.toString(),
                next.toString(),
                "type",
                "classifier"));
    for (String m : MAPS) {
      cmd.addAll(List.of("map", "name", m, "pinned", pins.map(m).toString()));
    }
    bpftool(cmd);
    Files.createDirectories(pins.dir().resolve("progs"));
    for (String p : PROGRAMS) {
      Files.move(next.resolve(p), pins.program(p), StandardCopyOption.REPLACE_EXISTING);
    }
    unpin(next);
  }

  private static void bpftool(List<String> cmd) {
    Exec.run(cmd)
        .orThrow("the verifier output above says why; bpftool needs root and a kernel with BPF");
  }

  /** Removes every pin under {@code pinDir}; attached programs stay alive until detached. */
  public static void unpin(Path pinDir) {
    if (!Files.exists(pinDir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(pinDir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove the pins under " + pinDir + " (rm -r " + pinDir + " as root)", e);
    }
  }

  /** The compiled object, copied out of the jar for bpftool. */
  public static Path extractObject() {
    try (InputStream in = ProgramLoader.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new BpfException(
            OBJECT_RESOURCE
                + " is not on the classpath: build sixpn-dataplane with Maven, which compiles"
                + " src/main/bpf with clang");
      }
      Path tmp = Files.createTempFile("sixpn-", ".bpf.o");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + OBJECT_RESOURCE, e);
    }
  }
}
