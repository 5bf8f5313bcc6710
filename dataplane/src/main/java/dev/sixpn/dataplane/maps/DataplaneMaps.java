package dev.sixpn.dataplane.maps;

import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.util.function.Function;

/** The four maps of one host, opened from its pins. */
public final class DataplaneMaps implements AutoCloseable {

  private final ConfigMap config;
  private final LinkMap links;
  private final LocalsMap locals;
  private final DropsMap drops;

  public DataplaneMaps(ProgramLoader.Pins pins, Function<String, MapOp.Observer> observers) {
    this.config = new ConfigMap(pins.map(ConfigMap.NAME).toString(), observers.apply(ConfigMap.NAME));
    this.links = new LinkMap(pins.map(LinkMap.NAME).toString(), observers.apply(LinkMap.NAME));
    this.locals = new LocalsMap(pins.map(LocalsMap.NAME).toString(), observers.apply(LocalsMap.NAME));
    this.drops = new DropsMap(pins.map(DropsMap.NAME).toString(), observers.apply(DropsMap.NAME));
  }

  public ConfigMap config() {
    return config;
  }

  public LinkMap links() {
    return links;
  }

  public LocalsMap locals() {
    return locals;
  }

  public DropsMap drops() {
    return drops;
  }

  @Override
  public void close() {
    config.close();
    links.close();
    locals.close();
    drops.close();
  }
}
