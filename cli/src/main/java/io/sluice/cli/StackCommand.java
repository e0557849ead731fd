package io.sluice.cli;

import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import sun.misc.Signal;

/**
 * {@code sluice stack}: the embedded broker and schema registry of the demo, kept running until
 * Ctrl-C (SIGINT) or SIGTERM, for {@code run}, {@code produce}, {@code tail}, {@code replay} and a
 * user's own Kafka tools in other terminals. The signal is handled (not left to the JVM's shutdown
 * hooks) so that a stop by Ctrl-C closes both cleanly and exits 0.
 */
@Command(
    name = "stack",
    description =
        "Start an embedded Kafka broker and schema registry and keep them running until Ctrl-C;"
            + " prints the export lines that point run, produce, tail and replay at them.")
final class StackCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("INT"), s -> stop.countDown());
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    PrintWriter out = spec.commandLine().getOut();
    try (EmbeddedStack stack = EmbeddedStack.start()) {
      String kafka = stack.kafka().bootstrapServers();
      String registry = stack.registry().url();
      out.printf(
          "sluice stack: Kafka and a schema registry are running; Ctrl-C stops both.%n"
              + "  bootstrap servers  %s%n"
              + "  schema registry    %s%n"
              + "  registry log       %s%n"
              + "In another terminal, point sluice (and your own Kafka tools) at them:%n"
              + "export %s=%s%n"
              + "export %s=%s%n",
          kafka,
          registry,
          stack.registry().logFile(),
          ConfigLoader.envName(ConfigKeys.BOOTSTRAP_SERVERS),
          kafka,
          ConfigLoader.envName(ConfigKeys.REGISTRY_URL),
          registry);
      out.flush();
      stop.await();
      out.println("sluice stack: stopping");
      out.flush();
    }
    return 0;
  }
}
