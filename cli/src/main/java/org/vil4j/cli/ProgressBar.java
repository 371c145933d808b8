package org.vil4j.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr: done/total, percentage, images/s, ETA; redrawn at most 10 times a second. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = total;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        out.print("\r" + line(done, (now - start) / 1e9));
        if (done >= total) {
            out.println();
        }
        out.flush();
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
