import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Aggregates the execution samples of a JFR recording: the top frames by self time, the top
 * packages by self time, and the top Sluice frames by total (inclusive) time. A single-file
 * program: {@code java load-tests/profile/JfrTop.java REC.jfr [THREAD_PREFIX] [TOP] [FRAME]}; only
 * samples of threads whose name starts with THREAD_PREFIX count (default: all threads). With FRAME
 * (a class.method prefix, e.g. {@code java.lang.StringLatin1.hashCode}) it also prints the call
 * paths (DEPTH frames up, 6 by default: a fifth argument) that lead to it. The inclusive list
 * covers the frames whose class.method starts with one of the comma-separated prefixes in the
 * environment variable JFRTOP_INCLUSIVE (default {@code io.sluice.}).
 */
public final class JfrTop {
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: java JfrTop.java REC.jfr [THREAD_PREFIX] [TOP]");
      System.exit(2);
    }
    String prefix = args.length > 1 ? args[1] : "";
    int top = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    String focus = args.length > 3 ? args[3] : null;
    int depth = args.length > 4 ? Integer.parseInt(args[4]) : 6;
    Map<String, Integer> callers = new HashMap<>();
    List<String> inclusive =
        List.of(System.getenv().getOrDefault("JFRTOP_INCLUSIVE", "io.sluice.").split(","));
    Map<String, Integer> selfFrames = new HashMap<>();
    Map<String, Integer> selfPackages = new HashMap<>();
    Map<String, Integer> totalSluice = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedThread thread = e.getThread("sampledThread");
      String threadName = thread == null ? "?" : String.valueOf(thread.getJavaName());
      if (!threadName.startsWith(prefix)) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      threads.merge(threadName.replaceAll("[0-9]+", "N"), 1, Integer::sum);
      List<RecordedFrame> frames = st.getFrames();
      RecordedFrame leaf = frames.get(0);
      selfFrames.merge(name(leaf), 1, Integer::sum);
      selfPackages.merge(pkg(leaf), 1, Integer::sum);
      if (focus != null) {
        for (int i = 0; i < frames.size(); i++) {
          if (name(frames.get(i)).startsWith(focus)) {
            StringBuilder path = new StringBuilder(name(frames.get(i)));
            for (int j = i + 1; j < Math.min(frames.size(), i + 1 + depth); j++) {
              path.append(" <- ").append(name(frames.get(j)));
            }
            callers.merge(path.toString(), 1, Integer::sum);
            break;
          }
        }
      }
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (RecordedFrame f : frames) {
        String n = name(f);
        if (inclusive.stream().anyMatch(n::startsWith) && seen.add(n)) {
          totalSluice.merge(n, 1, Integer::sum);
        }
      }
    }
    System.out.printf(
        Locale.ROOT, "%,d execution samples (threads '%s*')%n", samples, prefix);
    print("threads (sampled)", threads, samples, top);
    print("packages by self time", selfPackages, samples, top);
    print("frames by self time", selfFrames, samples, top);
    print("frames of " + inclusive + " by total time (inclusive)", totalSluice, samples, top);
    if (focus != null) {
      print("call paths to " + focus, callers, samples, top);
    }
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static String pkg(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    int dot = type.lastIndexOf('.');
    return dot < 0 ? "(default)" : type.substring(0, dot);
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int top) {
    System.out.printf(Locale.ROOT, "%n%s:%n", title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(
            en ->
                System.out.printf(
                    Locale.ROOT,
                    "  %5.1f%%  %7d  %s%n",
                    100.0 * en.getValue() / Math.max(1, samples),
                    en.getValue(),
                    en.getKey()));
  }
}
