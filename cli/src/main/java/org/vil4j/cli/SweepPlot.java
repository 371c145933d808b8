package org.vil4j.cli;

import org.vil4j.api.MlstmForm;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The sweep's plot: time (left) and peak device memory (right) against tokens, one line per mLSTM form, on linear
 * axes from zero, so that linear growth is a straight line through the origin's neighbourhood and quadratic growth
 * bends up. Drawn with java.awt (headless), like curves.png.
 */
final class SweepPlot {
    private static final int PANEL_W = 520;
    private static final int H = 380;
    private static final int MARGIN_L = 70;
    private static final int MARGIN_R = 20;
    private static final int MARGIN_T = 60;
    private static final int MARGIN_B = 50;
    private static final Color[] COLORS = {new Color(214, 39, 40), new Color(31, 119, 180), new Color(44, 160, 44)};

    private SweepPlot() {
    }

    /** Writes the plot atomically (a temporary file renamed over {@code file}). */
    static void write(Path file, List<SweepCommand.Point> points, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(2 * PANEL_W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.BLACK);
            g.drawString(title, MARGIN_L, 18);
            panel(g, 0, "time (s)", points, p -> p.msMedian() / 1e3);
            panel(g, PANEL_W, "peak device memory (MiB)", points, p -> p.peakBytes() / 1048576.0);
        } finally {
            g.dispose();
        }
        AtomicFiles.writePng(file, image);
    }

    private static void panel(Graphics2D g, int x0, String title, List<SweepCommand.Point> points,
                              ToDoubleFunction<SweepCommand.Point> value) {
        int left = x0 + MARGIN_L;
        int right = x0 + PANEL_W - MARGIN_R;
        int top = MARGIN_T;
        int bottom = H - MARGIN_B;
        double xMax = 1;
        double yMax = 1e-9;
        for (SweepCommand.Point p : points) {
            xMax = Math.max(xMax, p.tokens());
            if (p.measured()) {
                yMax = Math.max(yMax, value.applyAsDouble(p));
            }
        }
        yMax *= 1.08;
        g.setColor(Color.BLACK);
        g.drawString(title, left, top - 28);
        for (int i = 0; i <= 4; i++) {
            double v = yMax * i / 4;
            int y = (int) Math.round(bottom - (bottom - top) * (double) i / 4);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, y, right - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3g", v), x0 + 5, y + 4);
        }
        for (int i = 0; i <= 4; i++) {
            double v = xMax * i / 4;
            int x = (int) Math.round(left + (right - left) * (double) i / 4);
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(String.format(Locale.ROOT, "%,.0f", v), x - 12, bottom + 18);
        }
        g.drawString("tokens per image", (left + right) / 2 - 45, bottom + 36);
        g.drawRect(left, top, right - left, bottom - top);
        int legendX = left + 5;
        for (MlstmForm form : MlstmForm.values()) {
            Color color = COLORS[form.ordinal() % COLORS.length];
            int px = 0;
            int py = 0;
            boolean has = false;
            boolean any = false;
            g.setStroke(new BasicStroke(2f));
            for (SweepCommand.Point p : points) {
                if (p.form() != form || !p.measured()) {
                    continue;
                }
                any = true;
                int x = (int) Math.round(left + p.tokens() / xMax * (right - left));
                int y = (int) Math.round(bottom - value.applyAsDouble(p) / yMax * (bottom - top));
                g.setColor(color);
                if (has) {
                    g.drawLine(px, py, x, y);
                }
                g.fillOval(x - 3, y - 3, 7, 7);
                px = x;
                py = y;
                has = true;
            }
            g.setStroke(new BasicStroke(1f));
            if (any) {
                g.setColor(color);
                g.fillRect(legendX, top - 14, 12, 3);
                g.setColor(Color.BLACK);
                g.drawString(form.id(), legendX + 16, top - 9);
                legendX += 100;
            }
        }
    }
}
