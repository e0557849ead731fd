package io.sluice.kinds.recommendation;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * What the recommendation pipeline remembers of one user: the last items they interacted with (most
 * recent first, by event time, distinct, at most {@code recentMax}) and the items they have rated
 * (oldest first, at most {@code ratedMax}; the oldest is forgotten first), both as catalogue
 * indices, and the latest event time seen. Immutable; {@link #apply} returns a new state.
 *
 * <p>Policy for an event older than the user's latest one (out of time order): it is placed among
 * the recent items by its event time, so the recent items stay in event-time order whatever the
 * arrival order; if it is older than every recent item kept, it only joins the rated items. It is
 * reported as {@link Applied#late}. An item seen again moves to its new place.
 */
public final class UserState {
  private static final byte FORMAT_VERSION_1 = 1;
  private static final byte FORMAT_VERSION = 2;
  private static final UserState EMPTY =
      new UserState(new int[0], new long[0], new int[0], Long.MIN_VALUE);

  private final int[] recentItems;
  private final long[] recentTimes;
  private final int[] rated;
  private final long latestEventTime;

  /**
   * {@link #rated} in rising order, or null until first needed. Written at most once per state,
   * with the same value whichever thread computes it: a benign race.
   */
  private int[] sortedRated;

  private UserState(int[] recentItems, long[] recentTimes, int[] rated, long latestEventTime) {
    this.recentItems = recentItems;
    this.recentTimes = recentTimes;
    this.rated = rated;
    this.latestEventTime = latestEventTime;
  }

  /** The state of a user with no events. */
  public static UserState empty() {
    return EMPTY;
  }

  /** The new state and whether the event came out of time order. */
  public record Applied(UserState state, boolean late) {}

  /** The state after the user interacted with catalogue item {@code item} at {@code eventTime}. */
  public Applied apply(int item, long eventTime, int recentMax, int ratedMax) {
    boolean late = eventTime < latestEventTime;
    int[] items = new int[Math.min(recentMax, recentItems.length + 1)];
    long[] times = new long[items.length];
    int n = 0;
    boolean placed = false;
    for (int j = 0; j < recentItems.length && n < items.length; j++) {
      if (recentItems[j] == item) {
        continue;
      }
      if (!placed && recentTimes[j] <= eventTime) {
        items[n] = item;
        times[n++] = eventTime;
        placed = true;
        if (n == items.length) {
          break;
        }
      }
      items[n] = recentItems[j];
      times[n++] = recentTimes[j];
    }
    if (!placed && n < items.length) {
      items[n] = item;
      times[n++] = eventTime;
    }
    int[] set = sortedRated();
    int at = Arrays.binarySearch(set, item);
    boolean seen = at >= 0;
    // Forget the oldest rated items when the set is full.
    int drop = Math.max(0, rated.length - (seen ? 1 : 0) + 1 - ratedMax);
    int[] newRated;
    int[] newSet;
    if (!seen && drop == 0) {
      // The common case: a new item joins both orders, by two copies.
      newRated = Arrays.copyOf(rated, rated.length + 1);
      newSet = new int[set.length + 1];
      int insertAt = -at - 1;
      System.arraycopy(set, 0, newSet, 0, insertAt);
      newSet[insertAt] = item;
      System.arraycopy(set, insertAt, newSet, insertAt + 1, set.length - insertAt);
    } else {
      newRated = new int[rated.length - (seen ? 1 : 0) - drop + 1];
      int r = 0;
      int skip = 0;
      for (int i : rated) {
        if (i == item) {
          continue;
        }
        if (skip < drop) {
          skip++;
          continue;
        }
        newRated[r++] = i;
      }
      // An item seen again keeps the same set unless older items were forgotten.
      newSet = drop == 0 ? set : null;
    }
    newRated[newRated.length - 1] = item;
    UserState next =
        new UserState(
            Arrays.copyOf(items, n),
            Arrays.copyOf(times, n),
            newRated,
            Math.max(latestEventTime, eventTime));
    next.sortedRated = newSet;
    return new Applied(next, late);
  }

  /** Recent catalogue indices, most recent first. */
  public int[] recentItems() {
    return recentItems.clone();
  }

  /** Rated catalogue indices, oldest first. */
  public int[] rated() {
    return rated.clone();
  }

  /** Rated catalogue indices in rising order, without repeats: the set a list must skip. */
  public int[] ratedSet() {
    return sortedRated().clone();
  }

  /**
   * The rated set, computed once per state (or carried over from the state it was applied to, so
   * that a user's events find it without sorting again). Never handed out: the state is shared.
   */
  private int[] sortedRated() {
    int[] set = sortedRated;
    if (set == null) {
      set = CompactInts.sortedSet(rated);
      sortedRated = set;
    }
    return set;
  }

  /** The latest event time seen, or {@link Long#MIN_VALUE} for a user with no events. */
  public long latestEventTime() {
    return latestEventTime;
  }

  public boolean isEmpty() {
    return rated.length == 0;
  }

  /**
   * Binary form for the state store, versioned so that state survives an upgrade (version 1, four
   * bytes an index and eight a time, is still read). Version 2 is compact ({@link CompactInts}):
   * the latest event time, each recent item with how long before the latest it was seen, and the
   * rated items oldest first, all as varints: about two bytes a rated item against four.
   */
  public byte[] toBytes() {
    CompactInts.Writer out =
        new CompactInts.Writer(16 + 6 * recentItems.length + 2 * rated.length)
            .writeByte(FORMAT_VERSION)
            .writeZigZag(latestEventTime)
            .writeInts(recentItems);
    for (long t : recentTimes) {
      // Never negative (latest is the maximum); wraps harmlessly for extreme times.
      out.writeVarLong(latestEventTime - t);
    }
    return out.writeInts(rated).toBytes();
  }

  /** Reads what {@link #toBytes()} wrote, in this or the previous format version. */
  public static UserState fromBytes(byte[] data) {
    if (data.length > 0 && data[0] == FORMAT_VERSION_1) {
      return fromVersion1(data);
    }
    CompactInts.Reader in = CompactInts.Reader.afterVersion(data, FORMAT_VERSION, "user state");
    long latest = in.readZigZag();
    int[] items = in.readInts();
    long[] times = new long[items.length];
    for (int j = 0; j < items.length; j++) {
      times[j] = latest - in.readVarLong();
    }
    int[] rated = in.readInts();
    in.end();
    return new UserState(items, times, rated, latest);
  }

  private static UserState fromVersion1(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      in.readByte();
      long latest = in.readLong();
      int n = in.readInt();
      int[] items = new int[n];
      long[] times = new long[n];
      for (int j = 0; j < n; j++) {
        items[j] = in.readInt();
        times[j] = in.readLong();
      }
      int[] rated = new int[in.readInt()];
      for (int i = 0; i < rated.length; i++) {
        rated[i] = in.readInt();
      }
      return new UserState(items, times, rated, latest);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt user state", e);
    }
  }
}
