package io.sluice.loadtests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One instance of the chaos run: a JVM that runs one {@link SluiceApplication} per configuration
 * file given (the fraud and the recommendation pipelines), as {@code sluice run --config FILE}
 * would each, so that a {@code kill -9} takes both down at once like the loss of a machine. Exits
 * with 2 when an application fails; runs until killed or stopped otherwise.
 */
public final class ChaosInstance {
  private ChaosInstance() {}

  public static void main(String[] args) throws InterruptedException {
    List<SluiceApplication> apps = new ArrayList<>();
    for (String file : args) {
      apps.add(
          SluiceApplication.create(
              ConfigLoader.load(Optional.of(Path.of(file)), Map.of(), Map.of()),
              new SimpleMeterRegistry()));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> apps.forEach(SluiceApplication::close), "chaos-instance-stop"));
    apps.forEach(SluiceApplication::start);
    System.out.println("running");
    System.out.flush();
    while (true) {
      for (SluiceApplication app : apps) {
        if (app.state() == SluiceApplication.State.FAILED) {
          System.out.println("failed: " + app.failure());
          System.out.flush();
          Runtime.getRuntime().halt(2);
        }
      }
      Thread.sleep(500);
    }
  }
}
