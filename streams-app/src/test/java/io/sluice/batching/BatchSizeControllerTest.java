package io.sluice.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Drives the controller with a simulated clock: a Poisson stream of records into a batcher that
 * cuts at the controller's size and linger, and one server scoring batches in order with a service
 * time of {@code a + c*b}.
 */
class BatchSizeControllerTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  private static final Duration TARGET = Duration.ofMillis(20);
  private static final int MAX_IN_FLIGHT = 2;
  private static final long STEP = 50_000L;

  /** The simulated system. Times in nanoseconds. */
  private static final class Sim {
    final Random random = new Random(42);
    long now;
    double ratePerSecond;
    double aMs;
    double cMs;
    final List<String> warnings = new ArrayList<>();
    final BatchSizeController controller;
    final ArrayDeque<Long> kafka = new ArrayDeque<>();
    final ArrayDeque<Long> pending = new ArrayDeque<>();
    final ArrayDeque<long[]> queue = new ArrayDeque<>();
    long[] serving;
    long servingUntil;
    long nextArrival;
    long served;
    long arrivedTotal;

    /** The stream thread's own cost per record and per batch cut, and when it is free again. */
    double threadPerRecordMs;

    double threadPerBatchMs;
    long threadFreeAt;

    /** Chosen size sampled every 100 ms, with time. */
    final List<long[]> sizes = new ArrayList<>();

    /** Processing latencies with the time they completed. */
    final List<long[]> latencies = new ArrayList<>();

    Sim(double ratePerSecond, double aMs, double cMs, int maxBatch) {
      this.ratePerSecond = ratePerSecond;
      this.aMs = aMs;
      this.cMs = cMs;
      this.controller =
          new BatchSizeController(
              TARGET, maxBatch, Duration.ofMillis(50), () -> now, warnings::add);
      this.nextArrival = interArrival();
    }

    long interArrival() {
      return (long) (-Math.log(1 - random.nextDouble()) / ratePerSecond * SECOND);
    }

    void runUntil(long end) {
      for (; now < end; now += STEP) {
        while (nextArrival <= now) {
          kafka.add(nextArrival);
          arrivedTotal++;
          nextArrival += interArrival();
        }
        // Like the processor: records are taken while the batch being gathered has room; a full
        // (or lingered) batch is cut once fewer than MAX_IN_FLIGHT are being scored or waiting to
        // be; until then the stream thread waits and the records wait in Kafka.
        int size = controller.batchSize();
        while (threadFreeAt <= now) {
          while (pending.size() < size && !kafka.isEmpty() && threadFreeAt <= now) {
            controller.taken(now - kafka.poll());
            pending.add(now);
            threadBusy(threadPerRecordMs);
          }
          boolean due =
              pending.size() >= size
                  || (!pending.isEmpty() && now - pending.peek() >= controller.lingerNanos());
          if (!due || queue.size() + (serving == null ? 0 : 1) >= MAX_IN_FLIGHT) {
            break;
          }
          int n = Math.min(size, pending.size());
          long[] batch = new long[n];
          for (int i = 0; i < n; i++) {
            batch[i] = pending.poll();
          }
          queue.add(batch);
          threadBusy(threadPerBatchMs);
          size = controller.batchSize();
        }
        if (serving != null && servingUntil <= now) {
          for (long taken : serving) {
            long latency = now - taken;
            controller.latency(latency);
            latencies.add(new long[] {now, latency});
          }
          served += serving.length;
          serving = null;
        }
        if (serving == null && !queue.isEmpty()) {
          serving = queue.poll();
          long service = (long) ((aMs + cMs * serving.length) * MS);
          servingUntil = now + service;
          controller.served(serving.length, service);
        }
        if (now % (100 * MS) == 0) {
          sizes.add(new long[] {now, controller.batchSize()});
        }
      }
    }

    void threadBusy(double ms) {
      if (ms > 0) {
        long nanos = (long) (ms * MS);
        // Work goes on from where the last ended if that was within this step: no rounding.
        threadFreeAt = (threadFreeAt > now - STEP ? threadFreeAt : now) + nanos;
      }
    }

    int[] sizesBetween(long from, long to) {
      return sizes.stream()
          .filter(s -> s[0] >= from && s[0] < to)
          .mapToInt(s -> (int) s[1])
          .toArray();
    }

    long p99Between(long from, long to) {
      long[] l =
          latencies.stream()
              .filter(x -> x[0] >= from && x[0] < to)
              .mapToLong(x -> x[1])
              .sorted()
              .toArray();
      assertThat(l).as("latencies between %d and %d s", from / SECOND, to / SECOND).isNotEmpty();
      return l[(int) Math.ceil(0.99 * l.length) - 1];
    }
  }

  /** How many times the size changed over these samples. */
  private static int changes(int[] sizes) {
    int n = 0;
    for (int i = 1; i < sizes.length; i++) {
      if (sizes[i] != sizes[i - 1]) {
        n++;
      }
    }
    return n;
  }

  private static void assertSteady(int[] sizes) {
    int min = Arrays.stream(sizes).min().orElseThrow();
    int max = Arrays.stream(sizes).max().orElseThrow();
    assertThat(max - min)
        .as("spread of the chosen size %s", Arrays.toString(sizes))
        .isLessThanOrEqualTo(Math.max(3, (int) (0.25 * max)));
    assertThat(changes(sizes))
        .as("changes of the chosen size %s", Arrays.toString(sizes))
        .isLessThanOrEqualTo(4);
  }

  @Test
  void convergesToASteadySizeThatKeepsUpAndMeetsTheTarget() {
    // 0.5 ms per call + 0.02 ms per record; 10,000 records/s: size 1 cannot keep up (1,923/s).
    Sim sim = new Sim(10_000, 0.5, 0.02, 256);
    sim.runUntil(30 * SECOND);
    int[] last = sim.sizesBetween(10 * SECOND, 30 * SECOND);
    assertSteady(last);
    // Keeps up: 0.5/b + 0.02 per record at 10 records/ms needs b >= 8 to stay under RHO_MAX.
    assertThat(last[last.length - 1]).isBetween(8, 64);
    assertThat(sim.p99Between(10 * SECOND, 30 * SECOND)).isLessThanOrEqualTo(TARGET.toNanos());
    assertThat(sim.arrivedTotal - sim.served).isLessThan(200);
    assertThat(sim.controller.targetMet()).isTrue();
    assertThat(sim.controller.unreachable()).isFalse();
    assertThat(sim.warnings).isEmpty();
  }

  @Test
  void staysAtSizeOneUnderLightLoad() {
    Sim sim = new Sim(100, 0.5, 0.02, 256);
    sim.runUntil(20 * SECOND);
    assertThat(sim.sizesBetween(5 * SECOND, 20 * SECOND)).containsOnly(1);
    assertThat(sim.p99Between(5 * SECOND, 20 * SECOND)).isLessThanOrEqualTo(2 * MS);
  }

  @Test
  void growsTheBatchToKeepUpWithAHeavyLoadWithinTheTarget() {
    // 30,000 records/s needs about 60 per batch (0.5/b + 0.02 ms per record).
    Sim sim = new Sim(30_000, 0.5, 0.02, 256);
    sim.runUntil(30 * SECOND);
    int[] last = sim.sizesBetween(15 * SECOND, 30 * SECOND);
    assertSteady(last);
    assertThat(last[last.length - 1]).isGreaterThanOrEqualTo(59);
    assertThat(sim.p99Between(15 * SECOND, 30 * SECOND)).isLessThanOrEqualTo(TARGET.toNanos());
    assertThat(sim.arrivedTotal - sim.served).isLessThan(1_000);
  }

  @Test
  void growsTheBatchWhenTheStreamThreadAndNotTheModelIsTheBottleneck() {
    // The model is cheap; the stream thread spends 0.02 ms per record and 0.3 ms per batch, so at
    // 15,000 records/s it keeps up only with batches of 7 and more. The model's service time does
    // not show it: the records waiting in Kafka do.
    Sim sim = new Sim(15_000, 0.01, 0.001, 256);
    sim.threadPerRecordMs = 0.02;
    sim.threadPerBatchMs = 0.3;
    sim.runUntil(30 * SECOND);
    int[] last = sim.sizesBetween(15 * SECOND, 30 * SECOND);
    assertSteady(last);
    assertThat(last[last.length - 1]).isGreaterThanOrEqualTo(7);
    assertThat(sim.arrivedTotal - sim.served).isLessThan(1_000);
    assertThat(sim.p99Between(15 * SECOND, 30 * SECOND)).isLessThanOrEqualTo(TARGET.toNanos());
  }

  @Test
  void settlesWithinTenSecondsWhenTheCostDoublesAndTheTargetHoldsAfterwards() {
    Sim sim = new Sim(10_000, 0.5, 0.02, 256);
    sim.runUntil(20 * SECOND);
    int before = sim.controller.batchSize();
    sim.aMs *= 2;
    sim.cMs *= 2;
    sim.runUntil(50 * SECOND);
    int[] after = sim.sizesBetween(30 * SECOND, 50 * SECOND);
    assertSteady(after);
    // Doubled, 1/b + 0.04 ms per record needs b >= 17 to keep up at all.
    assertThat(after[0]).isGreaterThan(before).isGreaterThanOrEqualTo(17);
    assertThat(sim.p99Between(30 * SECOND, 50 * SECOND)).isLessThanOrEqualTo(TARGET.toNanos());
    assertThat(sim.arrivedTotal - sim.served).isLessThan(500);
  }

  @Test
  void saysOnceThatATargetItCannotMeetEvenAtSizeOneIsUnreachableAndKeepsRunning() {
    // One record alone takes 25 ms: no size meets 20 ms.
    Sim sim = new Sim(20, 25, 1, 64);
    sim.runUntil(30 * SECOND);
    assertThat(sim.warnings).hasSize(1);
    assertThat(sim.warnings.get(0))
        .contains("latency target 20.0 ms cannot be met even at batch size 1")
        .contains("a batch of 1 takes 26.00 ms");
    assertThat(sim.controller.unreachable()).isTrue();
    assertThat(sim.controller.targetMet()).isFalse();
    assertThat(sim.served).isGreaterThan(sim.arrivedTotal - 10);
  }

  @Test
  void refusesATargetThatIsNotPositive() {
    assertThatThrownBy(
            () -> new BatchSizeController(Duration.ZERO, 8, Duration.ofMillis(5), () -> 0, m -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target must be positive");
  }
}
