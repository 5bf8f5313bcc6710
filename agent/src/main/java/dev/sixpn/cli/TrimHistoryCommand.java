package dev.sixpn.cli;

import dev.sixpn.projector.consume.HistoryTrim;
import dev.sixpn.projector.consume.SnapshotTopic;
import dev.sixpn.publish.LifecycleTopic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sixpn kafka trim-history}: the lifecycle log ages out behind the newest snapshot. */
@Command(
    name = "trim-history",
    mixinStandardHelpOptions = true,
    description = {
      "Deletes the lifecycle log's records behind the newest complete snapshot (Kafka's"
          + " deleteRecords up to the offsets its manifest reflects), so the history stops"
          + " growing. New hosts load the snapshot and replay the rest; a host whose offsets fall"
          + " below the new start rebuilds from it. Refused, deleting nothing, without a complete"
          + " snapshot or with one of a recreated topic. Needs DeleteRecords on the topic (an"
          + " admin's --kafka-config) and Read on its snapshot topic.",
      "--dry-run prints what it would delete, as kafka-delete-records.sh's --offset-json-file."
    })
final class TrimHistoryCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Option(names = "--dry-run", description = "Print what would be deleted; delete nothing.")
  boolean dryRun;

  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      description = "How long to wait for the broker, ISO-8601 (default: 30 s).")
  Duration timeout;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> client = kafka.clientOverrides();
    Map<String, Object> config = new HashMap<>(client);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap);
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    SnapshotTopic snapshots =
        new SnapshotTopic(kafka.bootstrap, LifecycleTopic.snapshotTopic(kafka.topic), client);
    try (Admin admin = Admin.create(config)) {
      HistoryTrim.Plan plan;
      try {
        plan = HistoryTrim.plan(admin, snapshots, kafka.topic, timeout);
      } catch (HistoryTrim.RefusedException e) {
        err.println("sixpn kafka trim-history: " + e.getMessage());
        return 1;
      }
      String from = "snapshot " + plan.snapshotId() + " (taken " + plan.snapshotTakenAt() + ")";
      if (plan.beforeOffsets().isEmpty()) {
        out.println(kafka.topic + ": nothing before " + from + " is left to delete");
        return 0;
      }
      if (dryRun) {
        out.println("# would delete, behind " + from + ":");
        out.println(plan.deleteRecordsJson());
        return 0;
      }
      HistoryTrim.execute(admin, plan, timeout)
          .forEach(
              (p, start) ->
                  out.println(
                      "deleted "
                          + kafka.topic
                          + "-"
                          + p
                          + " before offset "
                          + start
                          + ", behind "
                          + from));
      return 0;
    }
  }
}
