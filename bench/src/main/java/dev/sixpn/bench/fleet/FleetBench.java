package dev.sixpn.bench.fleet;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.run.InstanceRuntime;
import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.maps.LocalsMap;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One real agent in a synthetic fleet (bench/fleet/run.sh, root). {@code FleetBench <work> <out>
 * <hosts> <instances> <churnSeconds> -- <java command of the agent>}: a broker in this JVM at
 * 10.97.0.1, the {@code sixpn agent} process (projector, DNS edge, dataplane, wireguard-go) in a
 * host namespace, {@code hosts} fleet hosts and {@code instances} fleet instances published to it
 * (RSS sampled each tenth), a client instance of the agent's own network on its host (made as
 * {@code sixpn run} makes one); then the agent's CPU per fleet event under churn, DNS q/s (dnsperf
 * from the client) quiet and under churn, event → answer and event → map entry latency quiet and
 * under churn, answer sizes, Kafka bytes per event and the snapshot's size. Writes {@code
 * summary.tsv}, {@code rss.csv}, {@code dns.csv}, {@code latency.csv} and {@code answers.csv} into
 * {@code out}.
 */
public final class FleetBench {

  static final String TOPIC = "sixpn.lifecycle";
  static final int PORT = 29392;
  static final int DNSPERF_SECONDS = 15;
  static final int LATENCY_SAMPLES = 150;
  static final List<Integer> DNS_RATES = List.of(0, 250, 1000, 2000);

  /** Apps of the agent's network on fleet hosts, by size: what the answer sizes are measured on. */
  static final Map<String, Integer> SIZED_APPS =
      Map.of("one", 1, "ten", 10, "hundred", 100, "thousand", 1000);

  private final Path out;
  private final FleetEvents fleet;
  private final int hosts;
  private final long instances;
  private final AtomicLong churnSeq = new AtomicLong();
  private LifecyclePublisher publisher;
  private AgentProcess agent;
  private long published;

  /** Instance numbers of the latency probes' instances, on fleet host 2 in network 1. */
  private long latencyNumber = 10_000;

  private FleetBench(Path out, int hosts, long instances) {
    this.out = out;
    this.hosts = hosts;
    this.instances = instances;
    this.fleet = new FleetEvents(hosts, (int) Math.max(1, instances / 10));
  }

  public static void main(String[] args) throws Exception {
    int dash = Arrays.asList(args).indexOf("--");
    Path work = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    FleetBench bench = new FleetBench(out, Integer.parseInt(args[2]), Long.parseLong(args[3]));
    List<String> agentJava = List.of(args).subList(dash + 1, args.length);
    String tag = Long.toHexString(System.nanoTime() & 0xfffff);
    // run.sh's cleanup finds what carries the tag if this JVM is killed before its own.
    Files.writeString(work.resolve("tag"), tag);
    try (FleetLab lab = new FleetLab(tag, work)) {
      bench.run(lab, agentJava, Integer.parseInt(args[4]));
    } finally {
      Path log = work.resolve("agent.log");
      if (Files.exists(log)) {
        Files.copy(log, out.resolve("agent.log"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private void run(FleetLab lab, List<String> java, int churnSeconds) throws Exception {
    lab.host();
    KafkaBroker broker =
        KafkaBrokers.startEmbedded(lab.work.resolve("kafka"), FleetLab.BROKER_IP, PORT);
    lab.onClose(broker::close);
    String bootstrap = broker.bootstrapServers();
    publisher = LifecyclePublisher.connect(bootstrap, TOPIC, 12, Duration.ofSeconds(30));
    lab.onClose(publisher::close);
    agent = lab.agent(java, bootstrap, TOPIC);
    summary("agent pid", agent.pid());
    summary("rss at start MiB", agent.rssKib() / 1024);
    long t0 = System.nanoTime();
    for (int k = 0; k < hosts; k++) {
      publisher.publish(fleet.hostJoined(k));
    }
    published += hosts + 1; // and the agent's own announcement
    publisher.flush();
    agent.awaitFolded(published, Duration.ofMinutes(5));
    summary("hosts joined and folded s", seconds(t0));
    long number = 1000;
    for (var app : SIZED_APPS.entrySet()) {
      for (int j = 0; j < app.getValue(); j++) {
        publisher.publish(
            FleetEvents.inNetworkOne(
                "n1-" + app.getKey() + "-" + j, app.getKey(), 2 + number % hosts, number++));
        published++;
      }
    }
    InstanceRuntime client = client(lab);
    published++;
    try (NetnsExecutor clientNs = new NetnsExecutor(Netns.named(client.spec().instanceId()));
        DnsProbe probe = new DnsProbe(clientNs)) {
      fold(lab);
      awaitSnapshot(lab);
      cpuPerEvent(churnSeconds, lab);
      Path queries = queries(lab);
      for (int rate : DNS_RATES) {
        dnsperf(client, queries, rate);
      }
      latency(probe, 0, "quiet");
      latency(probe, 1000, "churn 1000/s");
      try (LocalsMap locals =
          new LocalsMap(lab.pinDir() + "/maps/sixpn_locals", MapOp.Observer.NONE)) {
        mapLatency(lab, locals, 0, "quiet");
        mapLatency(lab, locals, 1000, "churn 1000/s");
      }
      answerSizes(probe);
    }
    summary("rss at end MiB", agent.rssKib() / 1024);
  }

  /** The client: an instance of app {@code client} in network 1 on the agent's host 1. */
  private InstanceRuntime client(FleetLab lab) throws Exception {
    InstanceRuntime r =
        InstanceRuntime.create(
            new InstanceRuntime.Spec(
                "sxf" + lab.tag + "-client",
                1,
                "client",
                "app",
                1,
                "ams",
                SixpnAddress.ofInstance(1, 1, 1),
                false,
                Map.of(),
                List.of(),
                lab.netns(),
                Path.of("/etc/netns")),
            publisher);
    lab.onClose(r::close);
    long t0 = System.nanoTime();
    if (!r.start(Duration.ofSeconds(60))) {
      throw new IllegalStateException("the agent wrote no resolver files for the client");
    }
    summary("client instance started (resolver files written) s", seconds(t0));
    return r;
  }

  /** The initial fold, in tenths: each published, folded, then the agent's RSS read. */
  private void fold(FleetLab lab) throws Exception {
    StringBuilder csv = new StringBuilder("instances,rss_mib,fold_seconds\n");
    long step = instances / 10;
    long t0 = System.nanoTime();
    for (long from = 0; from < instances; from += step) {
      long t1 = System.nanoTime();
      for (long i = from; i < Math.min(instances, from + step); i++) {
        publisher.publish(fleet.started(i));
      }
      publisher.flush();
      published += Math.min(instances, from + step) - from;
      agent.awaitFolded(published, Duration.ofMinutes(5));
      long rss = agent.rssKib() / 1024;
      long folded = Math.min(instances, from + step);
      csv.append(folded).append(',').append(rss).append(',').append(seconds(t1)).append('\n');
      System.out.printf("folded %,d fleet instances: rss %d MiB%n", folded, rss);
    }
    Files.writeString(out.resolve("rss.csv"), csv);
    summary("fleet instances published and folded s", seconds(t0));
    summary("fold rate events/s", (long) (instances / seconds(t0)));
    summary(
        "lifecycle log bytes per event (all so far)", logBytes(lab, TOPIC) / (double) published);
  }

  private void awaitSnapshot(FleetLab lab) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (agent.metric("sixpn_projector_snapshots_written_total") < 1) {
      if (System.nanoTime() > deadline) {
        summary("snapshot", "none written within 120 s");
        return;
      }
      Thread.sleep(500);
    }
    summary("snapshot topic bytes", logBytes(lab, LifecycleTopic.snapshotTopic(TOPIC)));
  }

  /**
   * Agent CPU at rest, then under 1,000 fleet events/s for {@code seconds}; the CPU per event is
   * the difference over the events it folded. The log's growth over the same events is what every
   * host fetches per event.
   */
  private void cpuPerEvent(int seconds, FleetLab lab) throws Exception {
    // Warm-up: the churn's code paths compiled (C2 took ~8 s of CPU in the first minute of churn)
    // and the initial fold's compactions done, before the quiet baseline and the measurement.
    try (Churn warmUp = new Churn(publisher, fleet, instances, 1000, churnSeq)) {
      Thread.sleep(20_000);
      published += warmUp.published();
    }
    agent.awaitFolded(published, Duration.ofMinutes(1));
    Thread.sleep(5000);
    double c0 = agent.cpuSeconds();
    long q0 = System.nanoTime();
    Thread.sleep(20_000);
    double quiet = (agent.cpuSeconds() - c0) / seconds(q0);
    summary("agent CPU quiet (cores)", quiet);
    long folded0 = agent.folded();
    long bytes0 = logBytes(lab, TOPIC);
    Map<String, Double> threads0 = agent.cpuByThread();
    double c1 = agent.cpuSeconds();
    long t1 = System.nanoTime();
    long sent;
    try (Churn churn = new Churn(publisher, fleet, instances, 1000, churnSeq)) {
      Thread.sleep(seconds * 1000L);
      sent = churn.published();
    }
    published += sent;
    agent.awaitFolded(published, Duration.ofMinutes(1));
    double cpu = agent.cpuSeconds() - c1;
    double wall = seconds(t1);
    long folded = agent.folded() - folded0;
    Map<String, Double> threads = agent.cpuByThread();
    threads.replaceAll((name, t) -> t - threads0.getOrDefault(name, 0.0));
    summary(
        "agent CPU s by thread under churn",
        threads.entrySet().stream()
            .filter(e -> e.getValue() >= 0.1)
            .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
            .map(e -> String.format("%s %.1f", e.getKey(), e.getValue()))
            .collect(java.util.stream.Collectors.joining(", ")));
    long bytes = logBytes(lab, TOPIC) - bytes0;
    summary("churn events published", sent);
    summary("churn events folded", folded);
    summary("agent CPU under 1000 ev/s (cores)", cpu / wall);
    summary("agent CPU per fleet event us (quiet subtracted)", (cpu - quiet * wall) / folded * 1e6);
    summary("lifecycle log bytes per churn event", bytes / (double) sent);
    summary("Kafka bytes/s per host at 1000 ev/s", bytes / (double) sent * 1000);
  }

  /** Names of the agent's network the client asks for: AAAA of small apps, a region, TXT. */
  private Path queries(FleetLab lab) throws IOException {
    Path q = lab.work.resolve("queries.txt");
    Files.writeString(
        q,
        String.join(
            "\n",
            "one.internal AAAA",
            "ten.internal AAAA",
            "client.internal AAAA",
            "ams.ten.internal AAAA",
            "global.ten.internal AAAA",
            "regions.ten.internal TXT",
            "_apps.internal TXT",
            "nope.internal AAAA",
            ""));
    return q;
  }

  private void dnsperf(InstanceRuntime client, Path queries, int rate) throws Exception {
    Churn churn = rate > 0 ? new Churn(publisher, fleet, instances, rate, churnSeq) : null;
    long folded0 = agent.folded();
    double c0 = agent.cpuSeconds();
    long t0 = System.nanoTime();
    Exec.Result r =
        client
            .command(
                List.of(
                    "dnsperf",
                    "-s",
                    "fdaa::3",
                    "-d",
                    queries.toString(),
                    "-l",
                    Integer.toString(DNSPERF_SECONDS),
                    "-c",
                    "10",
                    "-T",
                    "1",
                    "-q",
                    "200"))
            .mergeStderr()
            .timeout(Duration.ofSeconds(DNSPERF_SECONDS + 30))
            .run();
    double wall = seconds(t0);
    double cpu = agent.cpuSeconds() - c0;
    long folded = agent.folded() - folded0;
    if (churn != null) {
      churn.close();
      published += churn.published();
      agent.awaitFolded(published, Duration.ofMinutes(1));
    }
    Matcher m = Pattern.compile("Queries per second:\\s+([0-9.]+)").matcher(r.stdout());
    if (!m.find()) {
      throw new IllegalStateException("dnsperf said:\n" + r.stdout());
    }
    Matcher lost = Pattern.compile("Queries lost:\\s+([0-9]+)").matcher(r.stdout());
    String line =
        String.format(
            "%d,%s,%.1f,%.2f,%s%n",
            rate, m.group(1), folded / wall, cpu / wall, lost.find() ? lost.group(1) : "");
    Path csv = out.resolve("dns.csv");
    if (!Files.exists(csv)) {
      Files.writeString(csv, "churn_per_s,qps,folded_per_s,agent_cores,lost\n");
    }
    Files.writeString(csv, line, StandardOpenOption.APPEND);
    System.out.print("dnsperf: " + line);
  }

  /**
   * Event → answer: a new app of network 1 on a fleet host, published, and its name asked for from
   * the client until its AAAA is there; events 20 ms apart, the first 20 not counted (JIT, caches).
   */
  private void latency(DnsProbe probe, int churnRate, String mode) throws Exception {
    Churn churn =
        churnRate > 0 ? new Churn(publisher, fleet, instances, churnRate, churnSeq) : null;
    long[] nanos = new long[LATENCY_SAMPLES];
    try {
      for (int k = -20; k < LATENCY_SAMPLES; k++) {
        long n = latencyNumber++;
        String app = "lat-" + (churnRate > 0 ? "c" : "q") + (k + 20);
        SixpnAddress a = SixpnAddress.ofInstance(1, 2, n);
        byte[] query = DnsProbe.query(app + ".internal.", 0);
        long t0 = System.nanoTime();
        publisher.publish(FleetEvents.inNetworkOne(app + "-1", app, 2, n));
        publisher.flush();
        published++;
        while (!probe.answers(query, a)) {
          if (System.nanoTime() - t0 > Duration.ofSeconds(10).toNanos()) {
            throw new IllegalStateException(app + " not answered within 10 s");
          }
          LockSupport.parkNanos(500_000);
        }
        if (k >= 0) {
          nanos[k] = System.nanoTime() - t0;
        }
        Thread.sleep(20);
      }
    } finally {
      if (churn != null) {
        churn.close();
        published += churn.published();
      }
    }
    record("event -> answer " + mode, nanos);
  }

  /** Appends the samples to latency.csv under {@code what} and their p50/p99/max to the summary. */
  private void record(String what, long[] nanos) throws IOException {
    StringBuilder csv = new StringBuilder();
    Path file = out.resolve("latency.csv");
    if (!Files.exists(file)) {
      csv.append("mode,ms\n");
    }
    for (long v : nanos) {
      csv.append(what).append(',').append(String.format("%.3f", v / 1e6)).append('\n');
    }
    Files.writeString(file, csv, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    long[] s = nanos.clone();
    Arrays.sort(s);
    summary(
        what + " p50/p99/max ms",
        String.format(
            "%.2f / %.2f / %.2f",
            s[s.length / 2] / 1e6,
            s[(int) Math.ceil(s.length * 0.99) - 1] / 1e6,
            s[s.length - 1] / 1e6));
  }

  /**
   * Event → map entry: an instance of network 1 on the agent's own host, its link made first (as a
   * runtime makes it before it publishes), its instance.started published, and the agent's locals
   * map (the pinned BPF map, read with bpf(2)) looked at until its entry is there; 20 ms apart, the
   * first 20 not counted.
   */
  private void mapLatency(FleetLab lab, LocalsMap locals, int churnRate, String mode)
      throws Exception {
    Churn churn =
        churnRate > 0 ? new Churn(publisher, fleet, instances, churnRate, churnSeq) : null;
    long[] nanos = new long[LATENCY_SAMPLES];
    try {
      for (int k = -20; k < LATENCY_SAMPLES; k++) {
        long n = latencyNumber++;
        String id = "sxf" + lab.tag + "-m" + n;
        String link = LinkNames.hostSideLink(id);
        // Up at both ends, as a runtime leaves it: a route to a link that is down is refused.
        String up = " && ip link set " + link + " up && ip link set m" + n + " up";
        Exec.command("sh", "-c", "ip link add " + link + " type veth peer name m" + n + up)
            .in(lab.netns())
            .run()
            .orThrow("");
        Thread.sleep(30); // the pass the new link wakes is over
        SixpnAddress a = SixpnAddress.ofInstance(1, 1, n);
        long t0 = System.nanoTime();
        publisher.publish(FleetEvents.inNetworkOne(id, "map-" + mode.charAt(0), 1, n));
        publisher.flush();
        published++;
        while (locals.lookup(a).isEmpty()) {
          if (System.nanoTime() - t0 > Duration.ofSeconds(10).toNanos()) {
            throw new IllegalStateException(id + " has no map entry within 10 s");
          }
          LockSupport.parkNanos(50_000);
        }
        if (k >= 0) {
          nanos[k] = System.nanoTime() - t0;
        }
        Thread.sleep(20);
      }
    } finally {
      if (churn != null) {
        churn.close();
        published += churn.published();
      }
    }
    record("event -> map entry " + mode, nanos);
  }

  /** The AAAA answer of apps of 1 to 1,000 instances: UDP without EDNS, with EDNS, and TCP. */
  private void answerSizes(DnsProbe probe) throws IOException {
    StringBuilder csv = new StringBuilder("app,instances,transport,bytes,answers,truncated\n");
    for (String app : List.of("one", "ten", "hundred", "thousand")) {
      String name = app + ".internal.";
      for (int edns : List.of(0, 1232, 4096)) {
        byte[] wire = probe.udp(DnsProbe.query(name, edns));
        csv.append(
            String.format(
                "%s,%d,udp%s,%d,%d,%b%n",
                app,
                SIZED_APPS.get(app),
                edns == 0 ? "" : " edns " + edns,
                wire.length,
                DnsProbe.answerCount(wire),
                DnsProbe.truncated(wire)));
      }
      byte[] tcp = probe.tcp(DnsProbe.query(name, 0));
      csv.append(
          String.format(
              "%s,%d,tcp,%d,%d,%b%n",
              app,
              SIZED_APPS.get(app),
              tcp.length,
              DnsProbe.answerCount(tcp),
              DnsProbe.truncated(tcp)));
    }
    Files.writeString(out.resolve("answers.csv"), csv);
    System.out.print(csv);
  }

  /** Bytes of a topic's log segments on the broker's disk, all partitions. */
  private static long logBytes(FleetLab lab, String topic) throws IOException {
    Pattern dir = Pattern.compile(Pattern.quote(topic) + "-[0-9]+");
    try (Stream<Path> files = Files.walk(lab.work.resolve("kafka"))) {
      return files
          .filter(f -> f.toString().endsWith(".log"))
          .filter(f -> dir.matcher(f.getParent().getFileName().toString()).matches())
          .mapToLong(f -> f.toFile().length())
          .sum();
    }
  }

  private void summary(String key, Object value) throws IOException {
    String line =
        key + "\t" + (value instanceof Double d ? String.format("%.2f", d) : value) + "\n";
    System.out.print(line);
    Files.writeString(
        out.resolve("summary.tsv"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
