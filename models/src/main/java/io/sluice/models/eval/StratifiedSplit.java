package io.sluice.models.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A seeded three-way split of example indices (train, validation, test) that keeps each class's
 * share in every part.
 *
 * <p>Each class's indices are shuffled with {@code new Random(seed)} and cut by the given
 * fractions, rounding the train and validation counts to the nearest integer; the test part takes
 * the rest. The same labels and seed always give the same split. Instances are immutable.
 */
public final class StratifiedSplit {

  private final int[] train;
  private final int[] validation;
  private final int[] test;

  private StratifiedSplit(int[] train, int[] validation, int[] test) {
    this.train = train;
    this.validation = validation;
    this.test = test;
  }

  /**
   * Splits the indices {@code 0..labels.length-1}.
   *
   * @param labels the class of each example (any int values; each distinct value is a stratum)
   * @param trainFraction share of each class for training, in (0, 1)
   * @param validationFraction share of each class for validation, in [0, 1 - trainFraction)
   * @param seed seed of the shuffle
   * @throws IllegalArgumentException if the fractions are out of range
   */
  public static StratifiedSplit of(
      int[] labels, double trainFraction, double validationFraction, long seed) {
    if (!(trainFraction > 0 && trainFraction < 1)
        || !(validationFraction >= 0 && trainFraction + validationFraction < 1)) {
      throw new IllegalArgumentException(
          "Expected 0 < train < 1, 0 <= validation and train + validation < 1, found train "
              + trainFraction
              + " and validation "
              + validationFraction);
    }
    int[] classes = Arrays.stream(labels).distinct().sorted().toArray();
    Random random = new Random(seed);
    List<Integer> train = new ArrayList<>();
    List<Integer> validation = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    for (int label : classes) {
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] == label) {
          members.add(i);
        }
      }
      Collections.shuffle(members, random);
      int trainCount = (int) Math.round(members.size() * trainFraction);
      int validationCount =
          Math.min(
              (int) Math.round(members.size() * validationFraction), members.size() - trainCount);
      train.addAll(members.subList(0, trainCount));
      validation.addAll(members.subList(trainCount, trainCount + validationCount));
      test.addAll(members.subList(trainCount + validationCount, members.size()));
    }
    return new StratifiedSplit(sorted(train), sorted(validation), sorted(test));
  }

  /** Indices of the training examples, ascending. */
  public int[] train() {
    return train.clone();
  }

  /** Indices of the validation examples, ascending. */
  public int[] validation() {
    return validation.clone();
  }

  /** Indices of the test examples, ascending. */
  public int[] test() {
    return test.clone();
  }

  private static int[] sorted(List<Integer> indices) {
    return indices.stream().mapToInt(Integer::intValue).sorted().toArray();
  }
}
