package io.sluice.kinds.recommendation;

/** Catalogues for the load tests' unit tests, through the package's own constructor. */
public final class TestCatalogues {
  private TestCatalogues() {}

  /** Items with the given ids (titles "t" + id), no popularity list, {@code maxRecent} wide. */
  public static Catalogue of(int maxRecent, long... ids) {
    String[] titles = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      titles[i] = "t" + ids[i];
    }
    return new Catalogue(ids, titles, new int[0], new int[0], maxRecent, 0.5f);
  }
}
