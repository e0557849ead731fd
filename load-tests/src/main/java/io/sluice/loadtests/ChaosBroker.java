package io.sluice.loadtests;

import io.sluice.embedded.EmbeddedKafka;
import java.nio.file.Path;

/**
 * The chaos run's broker, in a JVM of its own so that it can be killed with {@code kill -9} and
 * started again: the embedded broker on fixed ports with its data in a directory that survives.
 * Usage: {@code ChaosBroker BROKER_PORT CONTROLLER_PORT DIR [key=value ...]} (broker settings over
 * the embedded defaults). Prints {@code ready} once it accepts connections, then runs until killed.
 */
public final class ChaosBroker {
  private ChaosBroker() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedKafka kafka =
        new EmbeddedKafka(Path.of(args[2]), false)
            .ports(Integer.parseInt(args[0]), Integer.parseInt(args[1]));
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      kafka.brokerProperty(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    kafka.start();
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "chaos-broker-stop"));
    System.out.println("ready");
    System.out.flush();
    Thread.currentThread().join();
  }
}
