package io.sluice.models.recs;

/**
 * A session-style item-to-item recommender: a user is the weighted mean of the input embeddings of
 * the items they saw last, and an item's score is that vector's dot product with the item's output
 * embedding plus the item's bias. Because the user vector is made from recent items only, it needs
 * no per-user parameters: it works for a user never seen in training and moves with every event.
 *
 * <p>Recent items are given most recent first; item {@code j} of the list weighs {@code decay^j}.
 * The ONNX graph ({@link RecsGraph}) computes exactly this function. Not thread-safe while it is
 * being trained; read-only use afterwards is.
 */
public final class SessionModel {
  /** Added to the weight sum so that an all-zero weight row gives a zero user vector. */
  static final float WEIGHT_EPSILON = 1e-6f;

  final int items;
  final int dim;
  final float decay;
  final int maxRecent;
  final float[] input;
  final float[] output;
  final float[] bias;

  SessionModel(int items, int dim, int maxRecent, float decay) {
    this.items = items;
    this.dim = dim;
    this.maxRecent = maxRecent;
    this.decay = decay;
    this.input = new float[items * dim];
    this.output = new float[items * dim];
    this.bias = new float[items];
  }

  /**
   * A model with the given parameters (row-major {@code items x dim} embeddings), for tests and
   * tools; the arrays are copied.
   */
  public static SessionModel of(
      int dim, int maxRecent, float decay, float[] input, float[] output, float[] bias) {
    int items = bias.length;
    if (input.length != items * dim || output.length != items * dim) {
      throw new IllegalArgumentException(
          "expected embeddings of "
              + items
              + " x "
              + dim
              + " values, found "
              + input.length
              + " and "
              + output.length);
    }
    SessionModel m = new SessionModel(items, dim, maxRecent, decay);
    System.arraycopy(input, 0, m.input, 0, input.length);
    System.arraycopy(output, 0, m.output, 0, output.length);
    System.arraycopy(bias, 0, m.bias, 0, bias.length);
    return m;
  }

  public int items() {
    return items;
  }

  public int dim() {
    return dim;
  }

  /** How many recent items the model looks at. */
  public int maxRecent() {
    return maxRecent;
  }

  /** Weight of the item {@code position} places back from the most recent one. */
  public float decay() {
    return decay;
  }

  /** The weights of a recent-items list of {@code count} items, padded with zeros to maxRecent. */
  public float[] weights(int count) {
    float[] w = new float[maxRecent];
    float v = 1f;
    for (int j = 0; j < Math.min(count, maxRecent); j++) {
      w[j] = v;
      v *= decay;
    }
    return w;
  }

  /**
   * Writes the user vector of the recent items (most recent first, {@code weights} as {@link
   * #weights} gives them) into {@code user}.
   */
  void userVector(int[] recent, float[] weights, int count, float[] user) {
    java.util.Arrays.fill(user, 0f);
    float sum = 0;
    for (int j = 0; j < count; j++) {
      sum += weights[j];
    }
    float norm = 1f / (sum + WEIGHT_EPSILON);
    for (int j = 0; j < count; j++) {
      float w = weights[j] * norm;
      int off = recent[j] * dim;
      for (int d = 0; d < dim; d++) {
        user[d] += w * input[off + d];
      }
    }
  }

  /** Scores of every item for a user vector. */
  void scores(float[] user, float[] scores) {
    for (int i = 0; i < items; i++) {
      int off = i * dim;
      float s = bias[i];
      for (int d = 0; d < dim; d++) {
        s += user[d] * output[off + d];
      }
      scores[i] = s;
    }
  }

  /** Scores of every item for a user whose recent items are {@code recent[0..count)}. */
  public float[] scores(int[] recent, int count) {
    float[] user = new float[dim];
    userVector(recent, weights(count), Math.min(count, maxRecent), user);
    float[] scores = new float[items];
    scores(user, scores);
    return scores;
  }
}
