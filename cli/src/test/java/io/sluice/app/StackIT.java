package io.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.samples.FraudDemo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice stack} as a user runs it: a child process that prints its export lines, and {@code
 * run}, {@code produce} and {@code tail} against it from processes of their own, configured only
 * through those lines; Ctrl-C (SIGINT) stops the stack with exit 0 and nothing left running.
 */
class StackIT {
  private static final Path DATA_DIR =
      Path.of(System.getProperty("sluice.data.dir", "../shared/data")).toAbsolutePath();
  private static final Pattern EXPORT = Pattern.compile("(?m)^export (SLUICE_[A-Z_]+)=(\\S+)$");
  private static final int EVENTS = 300;

  @TempDir Path work;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killWhatIsLeft() {
    started.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
    started.forEach(Process::destroyForcibly);
  }

  private Process start(Path out, Path err, Map<String, String> env, String... args)
      throws Exception {
    Process p = ChildJvm.start(out, err, env, args);
    started.add(p);
    return p;
  }

  /** Waits for a line in a child's output; fails if the child exits first. */
  private static String awaitOutput(Process p, Path log, String expected) throws Exception {
    while (true) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      if (text.contains(expected)) {
        return text;
      }
      assertThat(p.isAlive()).as("child waiting for '%s':%n%s", expected, text).isTrue();
      Thread.sleep(200);
    }
  }

  @Test
  void runProduceAndTailWorkAgainstTheStackWhichCtrlCStops() throws Exception {
    Path stackLog = work.resolve("stack.log");
    Process stack = start(stackLog, null, Map.of(), "stack");
    String banner = awaitOutput(stack, stackLog, "export SLUICE_SCHEMA_REGISTRY_URL=");
    Map<String, String> env = new LinkedHashMap<>();
    Matcher m = EXPORT.matcher(banner);
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    assertThat(env).containsKeys("SLUICE_BOOTSTRAP_SERVERS", "SLUICE_SCHEMA_REGISTRY_URL");
    List<ProcessHandle> stackChildren = stack.descendants().toList();
    assertThat(stackChildren).as("the registry's JVM").isNotEmpty();

    Path descriptor = FraudDemo.ensureModel(DATA_DIR, work.resolve("models"));
    Path config = work.resolve("fraud.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "application.id=stack-it",
            "metrics.port=-1",
            "topics.create=true",
            "state.dir=" + work.resolve("state").toString().replace("\\", "/"),
            "data.dir=" + DATA_DIR.toString().replace("\\", "/"),
            "pipeline.model.descriptor=" + descriptor.toString().replace("\\", "/"),
            ""));

    Path runLog = work.resolve("run.log");
    Process run = start(runLog, null, env, "run", "--config", config.toString());
    awaitOutput(run, runLog, "pipeline fraud running");

    Path produceLog = work.resolve("produce.log");
    Process produce =
        start(
            produceLog,
            null,
            env,
            "produce",
            "fraud",
            "--count",
            String.valueOf(EVENTS),
            "--rate",
            "2000",
            "--data-dir",
            DATA_DIR.toString());
    assertThat(produce.waitFor()).as(ChildJvm.tail(produceLog, 30)).isZero();

    Path tailOut = work.resolve("tail.jsonl");
    Process tail =
        start(
            tailOut,
            work.resolve("tail.err"),
            env,
            "tail",
            "--config",
            config.toString(),
            "predictions",
            "--from-beginning",
            "--max",
            String.valueOf(EVENTS));
    assertThat(tail.waitFor()).as(ChildJvm.tail(work.resolve("tail.err"), 30)).isZero();
    List<String> lines = Files.readAllLines(tailOut);
    assertThat(lines).hasSize(EVENTS);
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) {
      JsonNode record = json.readTree(line);
      assertThat(record.get("topic").asText()).isEqualTo("predictions");
      JsonNode value = record.get("value");
      assertThat(value.get("modelName").asText()).isEqualTo("fraud-logreg");
      assertThat(value.get("score").asDouble()).isBetween(0.0, 1.0);
      assertThat(value.get("scores").has("1")).isTrue();
      assertThat(value.get("sourceTopic").asText()).isEqualTo("transactions");
    }

    run.destroy(); // SIGTERM: the pipeline stops cleanly (the JVM's exit status: 128 + 15)
    assertThat(run.waitFor()).as(ChildJvm.tail(runLog, 30)).isIn(0, 143);

    new ProcessBuilder("kill", "-INT", String.valueOf(stack.pid())).start().waitFor();
    assertThat(stack.waitFor()).as(ChildJvm.tail(stackLog, 30)).isZero();
    stack.waitFor(30, TimeUnit.SECONDS);
    for (ProcessHandle child : stackChildren) {
      child.onExit().get(30, TimeUnit.SECONDS);
      assertThat(child.isAlive()).isFalse();
    }
  }
}
