package io.sluice.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.batching.BatchHandler;
import io.sluice.batching.BatchScorer;
import io.sluice.batching.BatchStages;
import io.sluice.batching.BufferedRecord;
import io.sluice.batching.Child;
import io.sluice.batching.Emit;
import io.sluice.inference.ModelHandle.Mode;
import io.sluice.inference.ModelHandle.Serving;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch scored under a canary: each record on the version its key falls to, outputs in input
 * order, each naming the version that scored it; a shadow scorer scores only while there is a
 * shadow. Two real loads of the mnist-8 fixture.
 */
class CanaryScoringTest {
  private static final InferenceSettings CPU =
      InferenceSettings.defaults().withProvider(ExecutionProvider.CPU);
  private static final Child<String> OUT = Child.of("out", String.class);

  /** Each record's output: its key and the version that scored it. */
  private static final BatchStages<String, float[]> STAGES =
      BatchStages.of(
          new BatchHandler<String>() {
            @Override
            public String prepare(BufferedRecord record) {
              return new String(record.key(), StandardCharsets.UTF_8);
            }

            @Override
            public float[] features(String prepared) {
              return new float[TestModels.MNIST_ROW];
            }

            @Override
            public List<Emit<?>> complete(List<Scored<String>> scored, BatchInfo batch) {
              List<Emit<?>> out = new ArrayList<>();
              for (Scored<String> s : scored) {
                out.add(
                    Emit.to(
                        OUT,
                        null,
                        s.prepared() + "=" + batch.model().version(),
                        0,
                        new RecordHeaders()));
              }
              return out;
            }
          });

  @TempDir Path dir;
  private ModelHandle handle;
  private ModelRunner one;
  private ModelRunner two;

  @BeforeEach
  void load() throws Exception {
    one = load("1");
    two = load("2");
    handle = new ModelHandle(one);
  }

  @AfterEach
  void close() {
    handle.close();
  }

  private ModelRunner load(String version) throws ModelLoadException {
    Map<String, Object> json = TestModels.mnistDescriptor(dir);
    json.put("version", version);
    return ModelLoader.load(TestModels.write(dir, json), CPU);
  }

  private static List<BufferedRecord> records(int n) {
    List<BufferedRecord> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      records.add(
          new BufferedRecord(
              ("card-" + i).getBytes(StandardCharsets.UTF_8),
              new byte[0],
              0,
              new RecordHeaders(),
              "t",
              0,
              i,
              0));
    }
    return records;
  }

  private static List<String> values(BatchScorer.Result result) {
    return result.emits().stream().map(e -> (String) e.value()).toList();
  }

  @Test
  void eachKeyIsScoredByTheVersionItsHashFallsToInInputOrder() {
    handle.serve(new Serving(one, two, Mode.CANARY, 0.2));
    BatchScorer<String, float[]> scorer = new BatchScorer<>(STAGES, handle);

    List<String> first = values(scorer.score(records(200), () -> 0L));
    List<String> again = values(scorer.score(records(200), () -> 0L));

    assertThat(first).hasSize(200).isEqualTo(again);
    int onTwo = 0;
    for (int i = 0; i < 200; i++) {
      boolean canary = KeyShare.onChallenger(("card-" + i).getBytes(StandardCharsets.UTF_8), 0.2);
      assertThat(first.get(i)).isEqualTo("card-" + i + "=" + (canary ? "2" : "1"));
      onTwo += canary ? 1 : 0;
    }
    assertThat(onTwo).isBetween(20, 60);
  }

  @Test
  void aShadowScorerScoresEveryRecordOnlyWhileThereIsAShadow() {
    BatchScorer<String, float[]> shadow = BatchScorer.shadowOf(STAGES, handle);

    assertThat(shadow.score(records(3), () -> 0L).emits()).isEmpty();

    handle.serve(new Serving(one, two, Mode.SHADOW, 0));
    assertThat(values(shadow.score(records(3), () -> 0L)))
        .containsExactly("card-0=2", "card-1=2", "card-2=2");
    assertThat(values(new BatchScorer<>(STAGES, handle).score(records(3), () -> 0L)))
        .containsExactly("card-0=1", "card-1=1", "card-2=1");
  }
}
