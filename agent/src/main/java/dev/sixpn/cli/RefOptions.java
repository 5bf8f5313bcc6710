package dev.sixpn.cli;

import picocli.CommandLine.Option;

/** The names that identify an app, or an instance of it, in the publish commands. */
final class RefOptions {

  private RefOptions() {}

  static final class App {
    @Option(names = "--network", required = true, description = "Network id, 1..4294967295.")
    long network;

    @Option(names = "--app", required = true, description = "App name, a DNS label.")
    String app;
  }

  static final class Instance {
    @picocli.CommandLine.Mixin App app;

    @Option(names = "--instance-id", required = true, description = "Instance id.")
    String instanceId;
  }
}
