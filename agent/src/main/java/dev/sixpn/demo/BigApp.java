package dev.sixpn.demo;

import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sixpn demo --big-app}: one app with 10,000 started instances (on host 2, as a runtime that
 * has not made their links yet would leave them), resolved from an instance on host 1 the way
 * clients do: UDP with and without EDNS (a subset with TC set, never zero records), TCP (as many as
 * fit in one message), and glibc's {@code getent ahosts}.
 */
final class BigApp {

  static final String APP = "big-bagel-43";
  static final int INSTANCES = 10_000;

  private static final Pattern ANSWERS = Pattern.compile("ANSWER: (\\d+)");

  private final Demo demo;
  private final DemoLab lab;
  private final LifecyclePublisher publisher;

  BigApp(Demo demo, DemoLab lab, LifecyclePublisher publisher) {
    this.demo = demo;
    this.lab = lab;
    this.publisher = publisher;
  }

  void run(DemoLab.HostSpec on, DemoLab.Inst client) throws Exception {
    publisher
        .publish(new LifecycleEvent.AppCreated(Events.newEventId(), Instant.now(), 1, APP))
        .get();
    List<CompletableFuture<?>> acks = new ArrayList<>(INSTANCES);
    for (int k = 0; k < INSTANCES; k++) {
      acks.add(
          publisher.publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(),
                  Instant.now(),
                  "big-" + k,
                  1,
                  APP,
                  "app",
                  on.id(),
                  on.region(),
                  lab.allocate(1, on.id()),
                  Map.of())));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();
    demo.say("published " + INSTANCES + " instance.started events of " + APP);
    String name = APP + ".internal";
    demo.check(
        "UDP without EDNS: a rotated subset that fits 512 bytes, TC set",
        client,
        Duration.ofSeconds(30),
        s -> truncated(s) && answers(s) > 0 && answers(s) < 40,
        "dig",
        "+noall",
        "+comments",
        "+notcp",
        "+ignore",
        "+noedns",
        "aaaa",
        name);
    demo.check(
        "UDP with EDNS (4096): more records, still TC",
        client,
        Duration.ofSeconds(5),
        s -> truncated(s) && answers(s) >= 40 && answers(s) < INSTANCES,
        "dig",
        "+noall",
        "+comments",
        "+notcp",
        "+ignore",
        "+bufsize=4096",
        "aaaa",
        name);
    demo.check(
        "TCP: as many as fit in one message (at least 2,000)",
        client,
        Duration.ofSeconds(5),
        s -> !truncated(s) && answers(s) >= 2_000,
        "dig",
        "+noall",
        "+comments",
        "+tcp",
        "aaaa",
        name);
    demo.check(
        "getent ahosts (glibc: UDP, then TCP on TC) returns addresses",
        client,
        Duration.ofSeconds(10),
        s -> s.strip().matches("[1-9][0-9]*"),
        "sh",
        "-c",
        "getent ahosts " + name + " | grep -c '^fdaa:'");
  }

  private static final Pattern TC = Pattern.compile("flags:[^;]*\\btc\\b");

  static boolean truncated(String digOutput) {
    return TC.matcher(digOutput).find();
  }

  static int answers(String digOutput) {
    Matcher m = ANSWERS.matcher(digOutput);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }
}
