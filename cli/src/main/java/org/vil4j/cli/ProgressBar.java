package org.vil4j.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: on a terminal a one-line bar (done/total, percentage, images/s, ETA) redrawn at most 10 times a
 * second and cut to the terminal's width; otherwise a plain line at every tenth and at the end.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private final boolean terminal;
    private final int columns;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long nextPlain;

    ProgressBar(PrintStream out, long total) {
        this(out, total, Terminal.stderrIsTerminal(), Terminal.columns());
    }

    ProgressBar(PrintStream out, long total, boolean terminal, int columns) {
        this.out = out;
        this.total = total;
        this.terminal = terminal;
        this.columns = columns;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (!terminal) {
            if (done >= nextPlain || done >= total) {
                out.println(plain(done, (now - start) / 1e9));
                out.flush();
                nextPlain = done + Math.max(1, (total + 9) / 10);
            }
            return;
        }
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        out.print("\r" + Terminal.fit(line(done, (now - start) / 1e9), columns) + "\u001b[K");
        if (done >= total) {
            out.println();
        }
        out.flush();
    }

    /** "120/500 images (24%), 35.2 img/s, ETA 0:11". */
    String plain(long done, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        return String.format(Locale.ROOT, "%d/%d images (%.0f%%), %.1f img/s, ETA %s", done, total,
                total == 0 ? 100.0 : 100.0 * done / total, rate, rate > 0 ? clock((total - done) / rate) : "?");
    }

    /** "[=======>      ]  120/500  24%  35.2 img/s  ETA 0:11". */
    String line(long done, double seconds) {
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder bar = new StringBuilder("[");
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled - 1 || (i == filled - 1 && done >= total) ? '=' : i == filled - 1 ? '>' : ' ');
        }
        bar.append(']');
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? clock((total - done) / rate) : "?";
        String width = Long.toString(total);
        return String.format(Locale.ROOT, "%s %" + width.length() + "d/%s %3.0f%% %6.1f img/s ETA %s", bar, done,
                width, 100 * fraction, rate, eta);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
