package org.vil4j.cli;


import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** curves.png: train/test loss (left) and accuracy (right) per epoch, drawn with java.awt (headless). */
final class CurvesPlot {
    /** One epoch's point. */
    record Point(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy) {
    }

    private static final int PANEL_W = 480;
    private static final int H = 360;
    private static final int MARGIN_L = 60;
    private static final int MARGIN_R = 20;
    private static final int MARGIN_T = 40;
    private static final int MARGIN_B = 50;
    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color TEST = new Color(214, 39, 40);

    private CurvesPlot() {
    }

    /** Writes the plot atomically (a temporary file renamed over {@code file}). */
    static void write(Path file, List<Point> points, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(2 * PANEL_W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            double[] epochs = points.stream().mapToDouble(Point::epoch).toArray();
            panel(g, 0, "loss " + title, epochs, points.stream().mapToDouble(Point::trainLoss).toArray(),
                    points.stream().mapToDouble(Point::testLoss).toArray(), false);
            panel(g, PANEL_W, "accuracy (%)", epochs,
                    points.stream().mapToDouble(p -> 100 * p.trainAccuracy()).toArray(),
                    points.stream().mapToDouble(p -> 100 * p.testAccuracy()).toArray(), true);
        } finally {
            g.dispose();
        }
        AtomicFiles.writePng(file, image);
    }

    private static void panel(Graphics2D g, int x0, String title, double[] xs, double[] train, double[] test,
                              boolean legend) {
        int left = x0 + MARGIN_L;
        int right = x0 + PANEL_W - MARGIN_R;
        int top = MARGIN_T;
        int bottom = H - MARGIN_B;
        double xMin = xs.length == 0 ? 0 : xs[0];
        double xMax = xs.length == 0 ? 1 : Math.max(xs[xs.length - 1], xMin + 1);
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (double[] series : new double[][] {train, test}) {
            for (double v : series) {
                if (Double.isFinite(v)) {
                    yMin = Math.min(yMin, v);
                    yMax = Math.max(yMax, v);
                }
            }
        }
        if (!(yMin <= yMax)) {
            yMin = 0;
            yMax = 1;
        }
        double pad = Math.max(1e-6, (yMax - yMin) * 0.08);
        yMin -= pad;
        yMax += pad;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.BLACK);
        g.drawString(title, left, top - 15);
        // axis ticks: five on y, every epoch (up to ten labels) on x
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4;
            int y = (int) Math.round(bottom - (bottom - top) * (double) i / 4);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, y, right - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3g", v), x0 + 5, y + 4);
        }
        int step = Math.max(1, (int) Math.ceil((xMax - xMin + 1) / 10));
        for (int e = (int) xMin; e <= (int) xMax; e += step) {
            int x = sx(e, xMin, xMax, left, right);
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(Integer.toString(e), x - 4, bottom + 18);
        }
        g.drawString("epoch", (left + right) / 2 - 15, bottom + 36);
        g.drawRect(left, top, right - left, bottom - top);
        series(g, xs, train, xMin, xMax, yMin, yMax, left, right, top, bottom, TRAIN);
        series(g, xs, test, xMin, xMax, yMin, yMax, left, right, top, bottom, TEST);
        if (legend) {
            g.setColor(TRAIN);
            g.fillRect(right - 110, top - 20, 12, 3);
            g.setColor(Color.BLACK);
            g.drawString("train", right - 94, top - 15);
            g.setColor(TEST);
            g.fillRect(right - 50, top - 20, 12, 3);
            g.setColor(Color.BLACK);
            g.drawString("test", right - 34, top - 15);
        }
    }

    private static void series(Graphics2D g, double[] xs, double[] ys, double xMin, double xMax, double yMin,
                               double yMax, int left, int right, int top, int bottom, Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int px = 0;
        int py = 0;
        boolean has = false;
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(ys[i])) {
                has = false;
                continue;
            }
            int x = sx(xs[i], xMin, xMax, left, right);
            int y = (int) Math.round(bottom - (ys[i] - yMin) / (yMax - yMin) * (bottom - top));
            if (has) {
                g.drawLine(px, py, x, y);
            }
            g.fillOval(x - 3, y - 3, 7, 7);
            px = x;
            py = y;
            has = true;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static int sx(double x, double xMin, double xMax, int left, int right) {
        return (int) Math.round(left + (x - xMin) / (xMax - xMin) * (right - left));
    }
}
