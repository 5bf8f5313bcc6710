package dev.sixpn.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** {@code sixpn}: the one command of the project. Exit codes: 0 ok, 1 failure, 2 bad usage. */
@Command(
    name = "sixpn",
    mixinStandardHelpOptions = true,
    versionProvider = SixpnCommand.Version.class,
    description = "Private IPv6 networking and service discovery for fleets of apps.",
    subcommands = {
      DemoCommand.class,
      AgentCommand.class,
      PublishCommand.class,
      PeerCommand.class,
      KafkaCommand.class,
      StateCommand.class,
      RunCommand.class,
      MonitorCommand.class,
      StatusCommand.class
    })
public final class SixpnCommand implements Runnable {

  public static final int EXIT_USAGE = 2;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(
        execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line; for tests, with the given output streams. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(SixpnCommand::usageError);
    cl.setExecutionStrategy(SixpnCommand::rejectUnmatchedThenRun);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof IllegalArgumentException || e instanceof UsageException) {
            return usageError(new ParameterException(commandLine, e.getMessage(), e), args);
          }
          commandLine.getErr().println(qualifiedName(commandLine) + ": " + e.getMessage());
          return 1;
        });
    return cl.execute(args);
  }

  /** The command tree with its parsing rules (no output streams or handlers). */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new SixpnCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true); // --dns-udp-engine netty as well as NETTY
    return cl;
  }

  /**
   * Picocli does not reject unmatched arguments when {@code --help} is among them, so {@code sixpn
   * peer create --help} would print the top-level usage and exit 0; an unknown command is an error
   * whatever follows it.
   */
  private static int rejectUnmatchedThenRun(ParseResult parseResult) {
    for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (!p.unmatched().isEmpty()) {
        throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
      }
    }
    return new CommandLine.RunLast().execute(parseResult);
  }

  /** One line naming the problem, and where help is; no usage dump. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    String message = e.getMessage();
    if (e instanceof UnmatchedArgumentException u
        && !cl.getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().getFirst().startsWith("-")) {
      message = "unknown command '" + u.getUnmatched().getFirst() + "'";
    }
    cl.getErr()
        .println(qualifiedName(cl) + ": " + message + " (see '" + qualifiedName(cl) + " --help')");
    return EXIT_USAGE;
  }

  private static String qualifiedName(CommandLine cl) {
    return cl.getParent() == null
        ? cl.getCommandName()
        : qualifiedName(cl.getParent()) + " " + cl.getCommandName();
  }

  /** A bad argument found after parsing (e.g. a field rule); reported like a parse error. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SixpnCommand.class.getPackage().getImplementationVersion();
      return new String[] {"sixpn " + (v == null ? "development build" : v)};
    }
  }
}
