package dev.sixpn.it;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** An agent with its DNS edge on a free loopback port (network 1's view), and queries to it. */
final class AgentHarness {

  private AgentHarness() {}

  /** A free loopback UDP/TCP address for one agent's DNS edge. */
  static InetSocketAddress freeDnsAddress() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
  }

  /** A host's agent without dataplane or metrics, answering network 1 on {@code dns}. */
  static HostAgentConfig config(
      long host, String bootstrap, String topic, Path dir, InetSocketAddress dns) {
    return config(host, bootstrap, topic, dir, dns, Optional.empty());
  }

  /** The same, with metrics served at {@code metrics}. */
  static HostAgentConfig config(
      long host,
      String bootstrap,
      String topic,
      Path dir,
      InetSocketAddress dns,
      Optional<InetSocketAddress> metrics) {
    return new HostAgentConfig(
        host,
        bootstrap,
        topic,
        dir.resolve("h" + host),
        Optional.of(
            DnsEdgeConfig.defaults()
                .withListen(List.of(dns))
                .withEventLoops(1)
                .withUpstreams(List.of(), Duration.ofMillis(200))
                .withDevLoopbackNetwork(OptionalLong.of(1))),
        Optional.empty(),
        Optional.empty(),
        metrics);
  }

  static Message query(InetSocketAddress server, String name, int type) throws Exception {
    SimpleResolver r = new SimpleResolver(server);
    r.setTimeout(Duration.ofSeconds(2));
    r.setEDNS(0, 1232, 0, List.of());
    return r.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN)));
  }

  static Set<String> aaaa(InetSocketAddress server, String name) throws Exception {
    Set<String> out = new TreeSet<>();
    for (Record r : query(server, name, Type.AAAA).getSection(Section.ANSWER)) {
      out.add(SixpnAddress.fromBytes(((AAAARecord) r).getAddress().getAddress()).toString());
    }
    return out;
  }

  /** Each TXT record's strings joined, as a client of Fly's one-record lists reads them. */
  static List<String> txt(InetSocketAddress server, String name) throws Exception {
    List<String> out = new ArrayList<>();
    for (Record r : query(server, name, Type.TXT).getSection(Section.ANSWER)) {
      out.add(String.join("", ((TXTRecord) r).getStrings()));
    }
    return out;
  }
}
