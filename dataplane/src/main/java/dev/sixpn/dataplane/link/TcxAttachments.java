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

  /** ifindex to the program attached there: one of {@link ProgramLoader#PROGRAMS} or STALE. */
  Map<Integer, String> read() {
    Map<Integer, String> out = new HashMap<>();
    java.util.Set<Integer> pinnedIds = new java.util.HashSet<>();
    for (Path pin : pins()) {
      TcxLinks.Link l = pinned(pin);
      if (l == null
          || l.ifindex() == 0
          || !pin.getFileName().toString().equals(Integer.toString(l.ifindex()))) {
        // The interface went away (the kernel detached the link) or the link was detached from
        // outside: the pin holds a dead link.
        delete(pin);
        continue;
      }
      pinnedIds.add(l.id());
      out.put(l.ifindex(), progNames.getOrDefault(l.progId(), STALE));
    }
    // A link of ours the pins do not hold (a crash between create and pin, or one made by hand):
    // STALE, so the reconciler re-attaches and attach() detaches the stray.
    for (TcxLinks.Link l : TcxLinks.all()) {
      if (progNames.containsKey(l.progId()) && l.ifindex() != 0 && !pinnedIds.contains(l.id())) {
        out.put(l.ifindex(), STALE);
      }
    }
    return out;
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
          detachUnpinned(ifindex, l.id());
          return;
        }
      } finally {
        Bpf.close(fd);
      }
      delete(pin);
    }
    detachUnpinned(ifindex, 0);
    int fd = TcxLinks.attachIngress(prog, ifindex);
    try {
      TcxLinks.pin(fd, pin.toString());
    } catch (RuntimeException e) {
      TcxLinks.detach(fd);
      throw e;
    } finally {
      Bpf.close(fd);
    }
  }

  /** Removes our program from {@code ifindex}; nothing attached is not an error. */
  void detach(int ifindex) {
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
    for (TcxLinks.Link l : TcxLinks.all()) {
      if (l.ifindex() != ifindex || l.id() == keepId || !progNames.containsKey(l.progId())) {
        continue;
      }
      int fd = TcxLinks.openById(l.id());
      if (fd == -Errno.ENOENT) {
        continue; // gone meanwhile
      }
      if (fd < 0) {
        throw new dev.sixpn.dataplane.bpf.BpfException(
            "BPF_LINK_GET_FD_BY_ID " + l.id(), -fd, Errno.genericHint(-fd));
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
