package org.vil4j.cli;


import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code DIR/compare.png}: test accuracy per spec, each seed's run as a grey dot and the mean with a bar of one
 * sample standard deviation either side, on an axis fitted to the runs (the differences, not zero, are the point).
 * Drawn with java.awt (headless) like the project's other plots.
 */
final class ComparePlot {
    private static final int COLUMN_W = 120;
    private static final int H = 400;
    private static final int MARGIN_L = 70;
    private static final int MARGIN_R = 20;
    private static final int MARGIN_T = 80;
    private static final int MARGIN_B = 60;
    private static final Color MEAN = new Color(31, 119, 180);

    private ComparePlot() {
    }

    /** Writes the plot atomically (a temporary file renamed over {@code file}). */
    static void write(Path file, List<SpecSummary> summaries, String title) {
        System.setProperty("java.awt.headless", "true");
        int width = Math.max(560, MARGIN_L + MARGIN_R + COLUMN_W * summaries.size());
        BufferedImage image = new BufferedImage(width, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, H);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.BLACK);
            List<String> lines = wrap(title, g.getFontMetrics(), width - MARGIN_L - MARGIN_R);
            for (int i = 0; i < lines.size(); i++) {
                g.drawString(lines.get(i), MARGIN_L, 18 + 15 * i);
            }
            draw(g, width, summaries);
        } finally {
            g.dispose();
        }
        AtomicFiles.writePng(file, image);
    }

    private static void draw(Graphics2D g, int width, List<SpecSummary> summaries) {
        int left = MARGIN_L;
        int right = width - MARGIN_R;
        int top = MARGIN_T;
        int bottom = H - MARGIN_B;
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (SpecSummary s : summaries) {
            double spread = Double.isNaN(s.accuracyStd()) ? 0 : s.accuracyStd();
            lo = Math.min(lo, Math.min(s.accuracyMin(), s.accuracyMean() - spread));
            hi = Math.max(hi, Math.max(s.accuracyMax(), s.accuracyMean() + spread));
        }
        double pad = Math.max(0.005, 0.1 * (hi - lo)); // at least half a point either side
        double yMin = Math.max(0, lo - pad);
        double yMax = Math.min(1, hi + pad);
        java.util.function.DoubleToIntFunction y = v -> (int) Math.round(bottom - (v - yMin) / (yMax - yMin)
                * (bottom - top));
        for (int i = 0; i <= 5; i++) {
            double v = yMin + (yMax - yMin) * i / 5;
            int py = y.applyAsInt(v);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, py, right - 1, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.2f%%", 100 * v), 8, py + 4);
        }
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString("test accuracy: seeds (grey), mean ± std (blue)", left, top - 10);
        int columnW = (right - left) / summaries.size();
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < summaries.size(); i++) {
            SpecSummary s = summaries.get(i);
            int cx = left + columnW * i + columnW / 2;
            g.setColor(new Color(150, 150, 150));
            List<Double> acc = s.accuracies();
            for (int k = 0; k < acc.size(); k++) {
                // the seeds side by side left of the bar, so equal accuracies stay visible
                int px = acc.size() == 1 ? cx - 16 : cx - 24 + 16 * k / (acc.size() - 1);
                g.fillOval(px - 3, y.applyAsInt(acc.get(k)) - 3, 6, 6);
            }
            g.setColor(MEAN);
            g.setStroke(new BasicStroke(2f));
            int my = y.applyAsInt(s.accuracyMean());
            if (!Double.isNaN(s.accuracyStd())) {
                int up = y.applyAsInt(s.accuracyMean() + s.accuracyStd());
                int down = y.applyAsInt(s.accuracyMean() - s.accuracyStd());
                g.drawLine(cx, up, cx, down);
                g.drawLine(cx - 6, up, cx + 6, up);
                g.drawLine(cx - 6, down, cx + 6, down);
            }
            g.fillOval(cx - 4, my - 4, 9, 9);
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            String name = fit(s.spec(), fm, columnW - 6);
            g.drawString(name, cx - fm.stringWidth(name) / 2, bottom + 18);
            String value = String.format(Locale.ROOT, "%.2f%%", 100 * s.accuracyMean());
            g.drawString(value, cx - fm.stringWidth(value) / 2, bottom + 34);
        }
    }

    /** The title in lines of at most {@code width} pixels, broken at spaces; at most three (the rest cut). */
    private static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && fm.stringWidth(line + " " + word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        lines.add(line.toString());
        return lines.size() <= 3 ? lines : List.of(lines.get(0), lines.get(1), fit(lines.get(2) + " " + lines.get(3),
                fm, width));
    }

    /** The name, cut with an ellipsis where it is wider than its column. */
    private static String fit(String name, FontMetrics fm, int width) {
        if (fm.stringWidth(name) <= width) {
            return name;
        }
        String cut = name;
        while (cut.length() > 1 && fm.stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }
}
