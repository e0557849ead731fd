package io.sluice.cli;

import io.sluice.app.SluiceApplication;
import io.sluice.app.SluiceService;
import io.sluice.config.SluiceConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code sluice run --config FILE}: runs one pipeline until stopped. SIGTERM (or Ctrl-C) stops it
 * cleanly: the stream threads finish the batch in hand and commit. If the pipeline fails, the
 * command exits with status 1 so that a supervisor restarts it.
 */
@Command(
    name = "run",
    description = {
      "Run a pipeline declared in a configuration file (README: Your own pipeline in ten"
          + " minutes; samples/pipelines/ has one per demo).",
      "Its pipeline.model.descriptor must exist: train the project's models first with `sluice"
          + " train fraud|intrusion|recs`. Its topics are checked at start (topics.create=true"
          + " creates the missing ones)."
    })
final class RunCommand implements Callable<Integer> {

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Override
  public Integer call() throws InterruptedException {
    SluiceConfig cfg = configOptions.load();
    SluiceService service = SluiceService.create(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                "sluice-shutdown"));
    service.start();
    while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
      if (service.application().state() == SluiceApplication.State.FAILED) {
        return 1; // the cause is logged; exiting runs the shutdown hook, which closes the service
      }
    }
    return 0;
  }
}
