package io.sluice.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.app.SluiceApplication;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice run --config FILE}: runs one pipeline until stopped (Ctrl-C, SIGTERM). */
@Command(name = "run", description = "Run a pipeline declared in a configuration file.")
final class RunCommand implements java.util.concurrent.Callable<Integer> {

  @Option(
      names = {"-c", "--config"},
      description = "Properties file with the pipeline's configuration.")
  Path config;

  @Option(
      names = {"-s", "--set"},
      description = "Override a configuration key: --set key=value (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Override
  public Integer call() throws InterruptedException {
    SluiceConfig cfg = ConfigLoader.load(Optional.ofNullable(config), System.getenv(), overrides);
    SluiceApplication app = SluiceApplication.create(cfg, new SimpleMeterRegistry());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "sluice-shutdown"));
    app.start();
    stopped.await();
    return 0;
  }
}
