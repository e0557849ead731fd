package io.sluice.models.recs;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains a {@link SessionModel} with Bayesian personalised ranking (Rendle et al. 2009) on the
 * exact function the model serves with, in the style of FISM (Kabbur et al. 2013): for every
 * position of every user's history, the items before it (most recent first, up to {@code
 * maxRecent}) make the user vector, the item at that position must outscore an item the user never
 * rated, and stochastic gradient descent moves both items' output embeddings and biases and the
 * recent items' input embeddings. Deterministic for a given seed.
 */
public final class BprTrainer {

  /**
   * Hyper-parameters.
   *
   * @param dim embedding size
   * @param maxRecent recent items that make the user vector
   * @param decay weight ratio between an item and the next more recent one
   * @param epochs passes over all positions
   * @param learningRate SGD step
   * @param regularization L2 penalty on the touched parameters
   * @param seed seeds initialisation, shuffling and negative sampling
   */
  public record Settings(
      int dim,
      int maxRecent,
      float decay,
      int epochs,
      float learningRate,
      float regularization,
      long seed) {

    /** The settings the project's model is trained with. */
    public static Settings defaults(long seed) {
      return new Settings(64, 10, 0.7f, 40, 0.1f, 0f, seed);
    }
  }

  private BprTrainer() {}

  /**
   * Trains on user histories of item indices, each in time order.
   *
   * @param items the catalogue size; every index must be below it
   */
  public static SessionModel train(List<int[]> histories, int items, Settings s) {
    SessionModel m = new SessionModel(items, s.dim(), s.maxRecent(), s.decay());
    SplittableRandom random = new SplittableRandom(s.seed());
    for (int i = 0; i < m.input.length; i++) {
      m.input[i] = (float) (random.nextDouble(-1, 1) * 0.1);
      m.output[i] = (float) (random.nextDouble(-1, 1) * 0.1);
    }
    List<BitSet> rated = new ArrayList<>(histories.size());
    int positions = 0;
    for (int[] h : histories) {
      BitSet b = new BitSet(items);
      for (int item : h) {
        b.set(item);
      }
      rated.add(b);
      positions += Math.max(0, h.length - 1);
    }
    long[] order = new long[positions];
    int p = 0;
    for (int u = 0; u < histories.size(); u++) {
      for (int t = 1; t < histories.get(u).length; t++) {
        order[p++] = ((long) u << 32) | t;
      }
    }
    int[] recent = new int[s.maxRecent()];
    float[] weights = m.weights(s.maxRecent());
    float[] user = new float[s.dim()];
    float[] du = new float[s.dim()];
    for (int epoch = 0; epoch < s.epochs(); epoch++) {
      shuffle(order, random);
      for (long entry : order) {
        int u = (int) (entry >>> 32);
        int t = (int) entry;
        int[] h = histories.get(u);
        int count = Math.min(t, s.maxRecent());
        for (int j = 0; j < count; j++) {
          recent[j] = h[t - 1 - j];
        }
        int negative;
        do {
          negative = random.nextInt(items);
        } while (rated.get(u).get(negative));
        step(m, s, recent, weights, count, h[t], negative, user, du);
      }
    }
    return m;
  }

  private static void step(
      SessionModel m,
      Settings s,
      int[] recent,
      float[] weights,
      int count,
      int positive,
      int negative,
      float[] user,
      float[] du) {
    int dim = m.dim;
    m.userVector(recent, weights, count, user);
    int po = positive * dim;
    int no = negative * dim;
    float x = m.bias[positive] - m.bias[negative];
    for (int d = 0; d < dim; d++) {
      x += user[d] * (m.output[po + d] - m.output[no + d]);
    }
    float g = (float) (1.0 / (1.0 + Math.exp(x)));
    float lr = s.learningRate();
    float reg = s.regularization();
    for (int d = 0; d < dim; d++) {
      float qp = m.output[po + d];
      float qn = m.output[no + d];
      du[d] = g * (qp - qn);
      m.output[po + d] += lr * (g * user[d] - reg * qp);
      m.output[no + d] += lr * (-g * user[d] - reg * qn);
    }
    m.bias[positive] += lr * (g - reg * m.bias[positive]);
    m.bias[negative] += lr * (-g - reg * m.bias[negative]);
    float sum = 0;
    for (int j = 0; j < count; j++) {
      sum += weights[j];
    }
    float norm = 1f / (sum + SessionModel.WEIGHT_EPSILON);
    for (int j = 0; j < count; j++) {
      float w = weights[j] * norm;
      int off = recent[j] * dim;
      for (int d = 0; d < dim; d++) {
        m.input[off + d] += lr * (w * du[d] - reg * m.input[off + d]);
      }
    }
  }

  private static void shuffle(long[] a, SplittableRandom random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
