package dev.sixpn.cli;

import dev.sixpn.kafka.SaslSslSetup;
import dev.sixpn.kafka.SecureKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The secrets of a SASL_SSL cluster whose brokers run elsewhere (docker compose's {@code secrets}
 * service): one directory per party, so that each is given (mounted) only its own.
 *
 * <pre>
 * DIR/broker/        broker.p12, broker.properties (append to server.properties), scram.args
 * DIR/orchestrator/  orchestrator.properties   User:orchestrator, a super user
 * DIR/host-N/        agent.properties          User:host-N, the agent's: read only
 *                    runtime.properties        User:runtime-N, `sixpn run` on host N: publishes
 * </pre>
 *
 * <p>A directory that holds them already is kept as it is: the brokers formatted their logs with
 * those credentials, and new ones would lock every client out.
 */
@Command(
    name = "secrets",
    mixinStandardHelpOptions = true,
    description = {
      "Generates the certificate, the SCRAM passwords and the client properties of a SASL_SSL"
          + " cluster run elsewhere (docker compose), one directory per party: broker/ (keystore,"
          + " the settings to append to server.properties, the kafka-storage format --add-scram"
          + " arguments), orchestrator/ (User:orchestrator, a super user) and host-N/ (the agent's"
          + " User:host-N, read only; `sixpn run`'s User:runtime-N). Nothing is replaced: a"
          + " directory with broker/broker.properties is kept. ACLs need the running cluster:"
          + " `sixpn kafka acls`."
    })
final class KafkaSecretsCommand implements Callable<Integer> {

  /** The user `sixpn run` on host N publishes its instances' events as. */
  static String runtimeUser(int host) {
    return "runtime-" + host;
  }

  static String hostUser(int host) {
    return "host-" + host;
  }

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write.")
  Path out;

  @Option(
      names = "--broker-host",
      required = true,
      paramLabel = "NAME",
      description = "A name or address clients reach a broker by, repeatable: the certificate's.")
  List<String> brokerHosts;

  @Option(
      names = "--listener",
      paramLabel = "NAME",
      description =
          "A SASL_SSL listener of the brokers, repeatable; the first carries inter-broker traffic"
              + " (default: SASL_SSL). The controller listener is CONTROLLER, SSL.")
  List<String> listeners = new ArrayList<>();

  @Option(
      names = "--hosts",
      defaultValue = "3",
      paramLabel = "N",
      description = "Hosts 1..N get credentials, 1..1000 (default: ${DEFAULT-VALUE}).")
  int hosts;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    if (hosts < 1 || hosts > 1000) {
      throw new SixpnCommand.UsageException("--hosts must be in 1..1000, got " + hosts);
    }
    List<String> names = listeners.isEmpty() ? List.of("SASL_SSL") : listeners;
    try {
      SaslSslSetup.requireListenerNames(names);
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException("--listener: " + e.getMessage());
    }
    Path brokerDir = out.resolve("broker");
    Path brokerConfig = brokerDir.resolve("broker.properties");
    if (Files.exists(brokerConfig)) {
      w.println("kafka secrets: " + out + " holds them already (" + brokerConfig + "), kept");
      return 0;
    }
    List<String> users = new ArrayList<>();
    for (int h = 1; h <= hosts; h++) {
      users.add(hostUser(h));
      users.add(runtimeUser(h));
    }
    SaslSslSetup setup;
    try {
      setup =
          SaslSslSetup.generate(brokerDir, brokerHosts, users, SaslSslSetup.DEPLOYED_VALIDITY_DAYS);
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException(e.getMessage());
    }
    setup.writeClientConfig(
        SecureKafkaBroker.ORCHESTRATOR,
        SaslSslSetup.ownerOnlyDirectory(out.resolve("orchestrator"))
            .resolve("orchestrator.properties"));
    for (int h = 1; h <= hosts; h++) {
      Path dir = SaslSslSetup.ownerOnlyDirectory(out.resolve(hostUser(h)));
      setup.writeClientConfig(hostUser(h), dir.resolve("agent.properties"));
      setup.writeClientConfig(runtimeUser(h), dir.resolve("runtime.properties"));
    }
    setup.writeFormatArguments(brokerDir.resolve("scram.args"));
    Path partial = setup.writeBrokerConfig(names, brokerDir.resolve(".broker.properties"));
    try {
      // Written last, and whole or not at all: its presence says everything else is there.
      Files.move(partial, brokerConfig, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + brokerConfig, e);
    }
    w.println(
        "kafka secrets: "
            + setup.users().size()
            + " SCRAM users and a certificate for "
            + String.join(", ", brokerHosts)
            + " in "
            + out
            + " (broker/, orchestrator/, host-1.."
            + hosts
            + "/)");
    return 0;
  }
}
