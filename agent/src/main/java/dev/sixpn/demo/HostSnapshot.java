package dev.sixpn.demo;

import dev.sixpn.dataplane.bpf.Bpf;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.bpf.TcxLinks;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a host looks like from outside its agent, read from the kernel and the file system: which of
 * the host's programs sits on which interface, every IPv6 address and route of the host namespace,
 * and the namespaces that have files under {@code /etc/netns}. Two snapshots are equal when the
 * host is exactly as it was.
 *
 * @param programs interface name to the program of this host attached there
 */
record HostSnapshot(
    Map<String, String> programs,
    List<String> addresses,
    List<String> routes,
    List<String> netnsFiles) {

  static HostSnapshot of(DemoLab lab, long host) {
    Map<Integer, String> progByIndex = new HashMap<>();
    Map<Integer, String> progIds = new HashMap<>();
    for (String p : ProgramLoader.PROGRAMS) {
      int fd = Bpf.objGet(Path.of(lab.pinDir(host), "progs", p).toString());
      try {
        progIds.put(TcxLinks.programId(fd), p);
      } finally {
        Bpf.close(fd);
      }
    }
    for (TcxLinks.Link l : TcxLinks.all()) {
      String name = progIds.get(l.progId());
      if (name != null && l.ifindex() != 0) {
        progByIndex.put(l.ifindex(), name);
      }
    }
    Map<String, String> programs = new TreeMap<>();
    Map<String, Integer> links;
    try (NetnsExecutor ns = new NetnsExecutor(Netns.named(lab.hostNs(host)))) {
      links = ns.interfaces();
    }
    links.forEach((name, index) -> programs.put(name, progByIndex.getOrDefault(index, "-")));
    String ns = lab.hostNs(host);
    List<String> addresses =
        Shell.must(Shell.in(ns, "ip", "-o", "-6", "addr", "show"))
            .lines()
            .map(l -> l.split("\\s+"))
            .filter(w -> w.length > 3)
            .map(w -> w[1] + " " + w[3])
            .sorted()
            .toList();
    List<String> routes =
        Shell.must(Shell.in(ns, "ip", "-6", "route", "show")).lines().sorted().toList();
    List<String> files;
    try (Stream<Path> dirs = Files.list(Path.of("/etc/netns"))) {
      files = dirs.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (java.nio.file.NoSuchFileException e) {
      files = List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new HostSnapshot(programs, addresses, routes, files);
  }

  /** Lines that differ, for a failed check's output. */
  String diff(HostSnapshot other) {
    StringBuilder out = new StringBuilder();
    if (!programs.equals(other.programs)) {
      out.append("programs: ").append(programs).append(" -> ").append(other.programs).append('\n');
    }
    if (!addresses.equals(other.addresses)) {
      out.append("addresses: ")
          .append(addresses)
          .append(" -> ")
          .append(other.addresses)
          .append('\n');
    }
    if (!routes.equals(other.routes)) {
      out.append("routes: ").append(routes).append(" -> ").append(other.routes).append('\n');
    }
    if (!netnsFiles.equals(other.netnsFiles)) {
      out.append("/etc/netns: ").append(netnsFiles).append(" -> ").append(other.netnsFiles);
    }
    return out.toString();
  }
}
