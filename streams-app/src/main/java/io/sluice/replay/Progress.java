package io.sluice.replay;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows how far a replay has come: a bar redrawn in place ({@code \r}) on a terminal, a plain line
 * every tenth of the way (and at the end) otherwise, so logs stay readable. Single-threaded.
 */
public final class Progress {
  private static final int WIDTH = 30;

  private final PrintWriter out;
  private final boolean terminal;
  private final long total;
  private final long startedNanos = System.nanoTime();
  private int lastTenth = -1;
  private long lastDrawNanos;

  /**
   * @param terminal whether {@code out} is a terminal ({@code System.console() != null})
   * @param total records in the range
   */
  public Progress(PrintWriter out, boolean terminal, long total) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
  }

  /** Reports that {@code done} records of the range have been read and scored. */
  public void update(long done) {
    long now = System.nanoTime();
    boolean finished = done >= total;
    double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
    double seconds = Math.max(1e-9, (now - startedNanos) / 1e9);
    String numbers =
        String.format(
            Locale.ROOT,
            "%3d%% %d/%d records, %.0f records/s",
            (int) (fraction * 100),
            done,
            total,
            done / seconds);
    if (terminal) {
      if (finished || now - lastDrawNanos > 100_000_000L) {
        int filled = (int) (fraction * WIDTH);
        out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + numbers);
        if (finished) {
          out.println();
        }
        out.flush();
        lastDrawNanos = now;
      }
      return;
    }
    int tenth = (int) (fraction * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      out.println("replay " + numbers);
      out.flush();
    }
  }
}
