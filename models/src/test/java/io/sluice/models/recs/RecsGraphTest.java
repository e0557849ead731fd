package io.sluice.models.recs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecsGraphTest {
  private static final int ITEMS = 40;
  private static final int DIM = 4;
  private static final int N = 3;

  private static SessionModel model() {
    Random random = new Random(7);
    float[] in = new float[ITEMS * DIM];
    float[] out = new float[ITEMS * DIM];
    float[] bias = new float[ITEMS];
    for (int i = 0; i < in.length; i++) {
      in[i] = (float) random.nextGaussian();
      out[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < ITEMS; i++) {
      bias[i] = (float) random.nextGaussian();
    }
    return SessionModel.of(DIM, N, 0.8f, in, out, bias);
  }

  /** Runs the graph on rows of {@code N} recent items, all weighed. */
  private static RecsGraph.Top run(SessionModel m, long[][] recent, long[][] exclude, long k)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[][] weights = new float[recent.length][];
    for (int r = 0; r < recent.length; r++) {
      weights[r] = m.weights(N);
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session =
            env.createSession(RecsGraph.build(m, "test", 1).toByteArray(), options)) {
      return RecsGraph.run(env, session, recent, weights, exclude, k);
    }
  }

  @Test
  void neverReturnsAnExcludedItemAndReturnsTheJavaTopKOfTheRest() throws Exception {
    SessionModel m = model();
    long[][] recent = {{1, 2, 3}, {4, 5, 6}};
    // Row 1 is padded by repeating one of its own indices.
    long[][] exclude = {{0, 1, 2, 3, 10, 11, 12, 13, 20, 21}, {4, 5, 6, 4, 4, 4, 4, 4, 4, 4}};
    RecsGraph.Top out = run(m, recent, exclude, 10);
    long[][] top = out.items();
    float[][] scores = out.scores();
    for (int r = 0; r < recent.length; r++) {
      BitSet skip = new BitSet();
      for (long i : exclude[r]) {
        skip.set((int) i);
      }
      int[] rows = new int[N];
      for (int j = 0; j < N; j++) {
        rows[j] = (int) recent[r][j];
      }
      float[] java = m.scores(rows, N);
      int[] expected = TopK.select(java, 10, skip);
      assertThat(top[r]).hasSize(10);
      for (int i = 0; i < 10; i++) {
        assertThat(skip.get((int) top[r][i])).as("row %d rank %d excluded", r, i).isFalse();
        assertThat(top[r][i]).isEqualTo(expected[i]);
        assertThat(scores[r][i])
            .isCloseTo(java[expected[i]], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void givesExcludedItemsLastWithMinusInfinityWhenTooFewAreLeft() throws Exception {
    SessionModel m = model();
    long[][] exclude = new long[1][ITEMS - 2];
    for (int i = 0; i < ITEMS - 2; i++) {
      exclude[0][i] = i + 2;
    }
    RecsGraph.Top out = run(m, new long[][] {{1, 2, 3}}, exclude, 5);
    long[][] top = out.items();
    float[][] scores = out.scores();
    assertThat(new long[] {top[0][0], top[0][1]}).containsExactlyInAnyOrder(0L, 1L);
    for (int i = 2; i < 5; i++) {
      assertThat(scores[0][i]).isEqualTo(Float.NEGATIVE_INFINITY);
    }
  }
}
