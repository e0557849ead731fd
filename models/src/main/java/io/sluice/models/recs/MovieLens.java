package io.sluice.models.recs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads MovieLens {@code ratings.csv} ({@code userId,movieId,rating,timestamp}) and {@code
 * movies.csv} ({@code movieId,title,genres}, titles quoted when they hold a comma). Every error
 * names the file and line.
 */
public final class MovieLens {

  /** The folder of the data set, relative to the data directory. */
  public static final String DIRECTORY = "movielens/ml-latest-small";

  private MovieLens() {}

  /**
   * One rating.
   *
   * @param timestamp seconds since the epoch, as MovieLens gives it
   */
  public record Rating(long userId, long movieId, float rating, long timestamp) {}

  /**
   * The ratings in file order (users ascending, then movies ascending).
   *
   * @throws IOException if the file cannot be read, or a line is not four numbers
   */
  public static List<Rating> ratings(Path file) throws IOException {
    List<Rating> ratings = new ArrayList<>(100_000);
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (!"userId,movieId,rating,timestamp".equals(header)) {
        throw new IOException(
            file + ": expected the header userId,movieId,rating,timestamp, found " + header);
      }
      String line;
      int number = 1;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != 4) {
          throw new IOException(
              file + " line " + number + ": expected 4 fields, found " + f.length + ": " + line);
        }
        try {
          ratings.add(
              new Rating(
                  Long.parseLong(f[0]),
                  Long.parseLong(f[1]),
                  Float.parseFloat(f[2]),
                  Long.parseLong(f[3])));
        } catch (NumberFormatException e) {
          throw new IOException(file + " line " + number + ": expected numbers, found " + line, e);
        }
      }
    }
    return ratings;
  }

  /**
   * Movie titles by id, in file order (ids ascending).
   *
   * @throws IOException if the file cannot be read or a line is malformed
   */
  public static Map<Long, String> titles(Path file) throws IOException {
    Map<Long, String> titles = new LinkedHashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (!"movieId,title,genres".equals(header)) {
        throw new IOException(file + ": expected the header movieId,title,genres, found " + header);
      }
      String line;
      int number = 1;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isEmpty()) {
          continue;
        }
        List<String> f = csvFields(line);
        if (f.size() != 3) {
          throw new IOException(
              file + " line " + number + ": expected 3 fields, found " + f.size() + ": " + line);
        }
        try {
          titles.put(Long.parseLong(f.get(0)), f.get(1));
        } catch (NumberFormatException e) {
          throw new IOException(
              file + " line " + number + ": expected a numeric movieId, found " + f.get(0), e);
        }
      }
    }
    return titles;
  }

  /** Splits one CSV line: fields may be quoted, with {@code ""} for a quote inside. */
  static List<String> csvFields(String line) {
    List<String> fields = new ArrayList<>(3);
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  /**
   * Each user's ratings in time order; equal timestamps keep file order (movie id ascending), so
   * the order is the same on every run.
   */
  public static Map<Long, List<Rating>> byUserInTimeOrder(List<Rating> ratings) {
    Map<Long, List<Rating>> users = new LinkedHashMap<>();
    for (Rating r : ratings) {
      users.computeIfAbsent(r.userId(), u -> new ArrayList<>()).add(r);
    }
    for (List<Rating> list : users.values()) {
      list.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
    }
    return users;
  }

  /** All ratings in time order; equal timestamps keep file order. */
  public static List<Rating> inTimeOrder(List<Rating> ratings) {
    Rating[] sorted = ratings.toArray(new Rating[0]);
    Arrays.sort(sorted, (a, b) -> Long.compare(a.timestamp(), b.timestamp()));
    return List.of(sorted);
  }
}
