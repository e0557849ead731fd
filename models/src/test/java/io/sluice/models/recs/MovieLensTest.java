package io.sluice.models.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensTest {
  @TempDir Path dir;

  @Test
  void readsQuotedTitlesWithCommasAndQuotes() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("movies.csv"),
            "movieId,title,genres\n"
                + "1,Toy Story (1995),Animation\n"
                + "11,\"American President, The (1995)\",Comedy\n"
                + "12,\"Say \"\"Hi\"\", Bob (2001)\",Drama\n");

    Map<Long, String> titles = MovieLens.titles(file);

    assertThat(titles)
        .containsExactly(
            Map.entry(1L, "Toy Story (1995)"),
            Map.entry(11L, "American President, The (1995)"),
            Map.entry(12L, "Say \"Hi\", Bob (2001)"));
  }

  @Test
  void sortsEachUsersRatingsByTimeKeepingFileOrderOnTies() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("ratings.csv"),
            "userId,movieId,rating,timestamp\n1,5,4.0,30\n1,6,3.5,10\n1,7,5.0,10\n2,5,1.0,5\n");

    Map<Long, List<MovieLens.Rating>> users = MovieLens.byUserInTimeOrder(MovieLens.ratings(file));

    assertThat(users.get(1L)).extracting(MovieLens.Rating::movieId).containsExactly(6L, 7L, 5L);
    assertThat(users.get(2L)).singleElement().extracting(MovieLens.Rating::rating).isEqualTo(1.0f);
  }

  @Test
  void namesTheFileAndLineOfABadRating() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n1,5,4.0,30\n1,x,3,1\n");

    assertThatThrownBy(() -> MovieLens.ratings(file))
        .isInstanceOf(IOException.class)
        .hasMessage(file + " line 3: expected numbers, found 1,x,3,1");
  }

  @Test
  void topKKeepsTheBestScoresInOrderAndSkipsExcluded() {
    float[] scores = {0.1f, 0.9f, 0.5f, 0.9f, 0.7f};
    java.util.BitSet excluded = new java.util.BitSet();
    excluded.set(4);

    assertThat(TopK.select(scores, 3, excluded)).containsExactly(1, 3, 2);
    assertThat(TopK.select(scores, 10, null)).containsExactly(1, 3, 4, 2, 0);
  }
}
