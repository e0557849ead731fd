package io.sluice.cli;

import io.sluice.config.ConfigKeys;
import io.sluice.config.ConfigLoader;
import io.sluice.embedded.EmbeddedStack;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sluice stack}: the embedded broker and schema registry of the demo, kept running until
 * Ctrl-C (SIGINT) or SIGTERM, for {@code run}, {@code produce}, {@code tail}, {@code replay} and a
 * user's own Kafka tools in other terminals. Ctrl-C is the expected way to stop it, so it ends with
 * status 0: the shutdown hook closes both, then halts with 0 (a JVM stopped by a signal would
 * otherwise exit 130 or 143).
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
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedStack stack = EmbeddedStack.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("sluice stack: stopping");
                  out.flush();
                  stack.close();
                  stopped.countDown();
                  Runtime.getRuntime().halt(0);
                },
                "sluice-stack-shutdown"));
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
    stopped.await(); // until the shutdown hook has closed the stack (it then halts the JVM)
    return 0;
  }
}
