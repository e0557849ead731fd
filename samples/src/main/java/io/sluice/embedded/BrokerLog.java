package io.sluice.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Sends the embedded broker's own log lines (the server side of Kafka, never its clients) to a file
 * instead of the console: a broker's routine errors, such as the {@code
 * OutOfOrderSequenceException} it answers a transactional producer's retried batch with before the
 * producer resends it, are its business, not the demo user's. Only with logback behind SLF4J;
 * otherwise the logs stay where the logging configuration puts them.
 */
final class BrokerLog {
  private static final String APPENDER = "sluice-embedded-broker";

  /** The loggers of the broker, the controller and their storage, as Kafka 4 names them. */
  private static final List<String> LOGGERS =
      List.of(
          "kafka",
          "state.change.logger",
          "org.apache.kafka.server",
          "org.apache.kafka.controller",
          "org.apache.kafka.raft",
          "org.apache.kafka.storage",
          "org.apache.kafka.coordinator",
          "org.apache.kafka.metadata",
          "org.apache.kafka.image",
          "org.apache.kafka.queue",
          "org.apache.kafka.network",
          "org.apache.kafka.security",
          "org.apache.kafka.snapshot",
          "org.apache.kafka.jmx");

  private BrokerLog() {}

  /** Points the broker's loggers at {@code file} (replacing an earlier broker's); its path. */
  static synchronized Optional<Path> redirect(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return Optional.empty();
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setFile(file.toString());
    appender.setEncoder(encoder);
    appender.start();
    for (String name : LOGGERS) {
      ch.qos.logback.classic.Logger logger = context.getLogger(name);
      var previous = logger.getAppender(APPENDER);
      if (previous != null) {
        logger.detachAppender(previous);
        previous.stop();
      }
      logger.addAppender(appender);
      logger.setAdditive(false);
      logger.setLevel(Level.INFO);
    }
    return Optional.of(file);
  }
}
