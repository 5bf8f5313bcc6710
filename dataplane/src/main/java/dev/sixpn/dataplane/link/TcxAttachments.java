package dev.sixpn.dataplane.link;

import dev.sixpn.dataplane.bpf.Bpf;
import dev.sixpn.dataplane.bpf.Errno;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.bpf.TcxLinks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's programs on its interfaces, as tcx links pinned at {@code <pins>/links/<ifindex>}.
 * {@link #read()} asks the kernel, never a memory of what was done: pinned links (the ones this
 * host made, in this run or an earlier one) and any unpinned link running one of this host's
 * programs (a crash between create and pin). Several simulated hosts share one machine; each loads
 * its own programs, so program ids tell them apart.
 *
 * <p>Not thread-safe; the plumbing loop owns it. Every call that takes an ifindex runs on a thread
 * inside the host's namespace ({@link NetnsExecutor}), where ifindexes mean this host's links.
 */
final class TcxAttachments {

  private static final Logger log = LoggerFactory.getLogger(TcxAttachments.class);

  /** A program of this host that is not one of the three current ones (an earlier load). */
  static final String STALE = "stale";

  private final Path linkDir;
  private final Map<String, Integer> progFds = new HashMap<>();
  private final Map<Integer, String> progNames = new HashMap<>();
  private final Map<Integer, Integer> pinnedIds = new HashMap<>();

  /**
   * How often the pins are checked for dead links. A dead pin is harmless meanwhile: {@link
   * #attach} checks a pin's link before it trusts it.
   */
  private static final long SWEEP_INTERVAL_NANOS = java.time.Duration.ofSeconds(30).toNanos();

  private long sweptAt = System.nanoTime() - SWEEP_INTERVAL_NANOS - 1;

  TcxAttachments(ProgramLoader.Pins pins) {
    this.linkDir = pins.dir().resolve("links");
    for (String p : ProgramLoader.PROGRAMS) {
      int fd = Bpf.objGet(pins.program(p).toString());
      progFds.put(p, fd);
      progNames.put(TcxLinks.programId(fd), p);
    }
    try {
      Files.createDirectories(linkDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + linkDir + " in bpffs (as root)", e);
    }
  }

  /**
   * ifindex to the program of ours attached there, one of {@link ProgramLoader#PROGRAMS}, or STALE
   * for ours held by a link other than the pinned one (a crash between create and pin, or one made
   * by hand), so the reconciler re-attaches and {@link #attach} detaches the stray. Asks the kernel
   * on every call, one BPF_PROG_QUERY per interface; programs that are not this host's (another tcx
   * user, another simulated host) are left out.
   */
  Map<Integer, String> read(Collection<Integer> ifindexes) {
    if (System.nanoTime() - sweptAt > SWEEP_INTERVAL_NANOS) {
      sweep();
    }
    Map<Integer, String> out = new HashMap<>();
    for (int ifindex : ifindexes) {
      String found = null;
      for (TcxLinks.Attached a : TcxLinks.queryIngress(ifindex)) {
        String name = progNames.get(a.progId());
        if (name == null) {
          continue;
        }
        boolean pinned = found == null && a.linkId() != 0 && a.linkId() == pinnedLinkId(ifindex);
        found = pinned ? name : STALE;
      }
      if (found != null) {
        out.put(ifindex, found);
      }
    }
    return out;
  }

  /**
   * The id of the link pinned for {@code ifindex}, 0 if none: remembered from the pin (read once)
   * and from {@link #attach}, forgotten by {@link #detach} and by every sweep.
   */
  private int pinnedLinkId(int ifindex) {
    Integer known = pinnedIds.get(ifindex);
    if (known != null) {
      return known;
    }
    Path pin = linkDir.resolve(Integer.toString(ifindex));
    if (!Files.exists(pin)) {
      return 0;
    }
    TcxLinks.Link l = pinned(pin);
    int id = l != null && l.ifindex() == ifindex ? l.id() : 0;
    pinnedIds.put(ifindex, id);
    return id;
  }

  /**
   * Removes pins that hold a dead link (the interface went away, so the kernel detached it, or the
   * link was detached from outside) and forgets the remembered link ids, so a pin changed from
   * outside is read again.
   */
  private void sweep() {
    pinnedIds.clear();
    for (Path pin : pins()) {
      TcxLinks.Link l = pinned(pin);
      if (l == null
          || l.ifindex() == 0
          || !pin.getFileName().toString().equals(Integer.toString(l.ifindex()))) {
        delete(pin);
      }
    }
    sweptAt = System.nanoTime();
  }

  /** Attaches {@code program} on {@code ifindex}'s ingress, replacing ours if another is there. */
  void attach(int ifindex, String program) {
    Integer prog = progFds.get(program);
    if (prog == null) {
      throw new IllegalArgumentException("unknown program " + program);
    }
    Path pin = linkDir.resolve(Integer.toString(ifindex));
    if (Files.exists(pin)) {
      int fd = Bpf.objGet(pin.toString());
      try {
        TcxLinks.Link l = TcxLinks.info(fd);
        if (l != null && l.ifindex() == ifindex) {
          TcxLinks.update(fd, prog);
          pinnedIds.put(ifindex, l.id());
          detachUnpinned(ifindex, l.id());
          return;
        }
      } finally {
        Bpf.close(fd);
      }
      delete(pin);
    }
    pinnedIds.remove(ifindex);
    detachUnpinned(ifindex, 0);
    int fd = TcxLinks.attachIngress(prog, ifindex);
    try {
      TcxLinks.pin(fd, pin.toString());
      pinnedIds.put(ifindex, TcxLinks.info(fd).id());
    } catch (RuntimeException e) {
      TcxLinks.detach(fd);
      throw e;
    } finally {
      Bpf.close(fd);
    }
  }

  /** Removes our program from {@code ifindex}; nothing attached is not an error. */
  void detach(int ifindex) {
    pinnedIds.remove(ifindex);
    Path pin = linkDir.resolve(Integer.toString(ifindex));
    if (Files.exists(pin)) {
      int fd = Bpf.objGet(pin.toString());
      try {
        TcxLinks.detach(fd);
      } finally {
        Bpf.close(fd);
      }
      delete(pin);
    }
    detachUnpinned(ifindex, 0);
  }

  /** Detaches links running one of our programs on {@code ifindex}, but link {@code keepId}. */
  private void detachUnpinned(int ifindex, int keepId) {
    for (TcxLinks.Attached a : TcxLinks.queryIngress(ifindex)) {
      if (a.linkId() == 0 || a.linkId() == keepId || !progNames.containsKey(a.progId())) {
        continue;
      }
      int fd = TcxLinks.openById(a.linkId());
      if (fd == -Errno.ENOENT) {
        continue; // gone meanwhile
      }
      if (fd < 0) {
        throw new dev.sixpn.dataplane.bpf.BpfException(
            "BPF_LINK_GET_FD_BY_ID " + a.linkId(), -fd, Errno.genericHint(-fd));
      }
      try {
        TcxLinks.detach(fd);
      } finally {
        Bpf.close(fd);
      }
    }
  }

  private TcxLinks.Link pinned(Path pin) {
    int fd;
    try {
      fd = Bpf.objGet(pin.toString());
    } catch (RuntimeException e) {
      log.debug("unreadable link pin path={} reason={}", pin, e.getMessage());
      return null;
    }
    try {
      return TcxLinks.info(fd);
    } finally {
      Bpf.close(fd);
    }
  }

  private java.util.List<Path> pins() {
    java.util.List<Path> out = new java.util.ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(linkDir)) {
      dir.forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + linkDir, e);
    }
    return out;
  }

  private static void delete(Path pin) {
    try {
      Files.deleteIfExists(pin);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the link pin " + pin, e);
    }
  }

  void close() {
    progFds.values().forEach(Bpf::close);
    progFds.clear();
  }
}
