package io.sluice.inference;

/**
 * Which keys a canary takes: a key's place in [0, 1) is a stable hash of its bytes (the same on
 * every instance, in every run, in every JVM), and a canary of share {@code s} takes the keys whose
 * place is below {@code s}. So a given card or user always sees the same version, and raising the
 * share only adds keys to the challenger.
 */
public final class KeyShare {
  private KeyShare() {}

  /**
   * The key's place in [0, 1): 64-bit FNV-1a of the bytes, finished with MurmurHash3's mixer so
   * that keys differing in one character spread evenly.
   */
  public static double place(byte[] key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }

  /** Whether a canary of this share takes the key; a record without a key stays on the champion. */
  public static boolean onChallenger(byte[] key, double share) {
    return key != null && share > 0 && place(key) < share;
  }
}
