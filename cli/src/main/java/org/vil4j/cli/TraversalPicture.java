package org.vil4j.cli;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Draws a traversal's path over its grid: cells, visiting numbers, and the path from blue (first) to red (last). */
final class TraversalPicture {
    static final int MARGIN = 24;

    private TraversalPicture() {
    }

    /** Cell side in pixels: 48 for small grids, smaller for large ones (images stay under about 1600 px). */
    static int cellSize(int h, int w) {
        return Math.max(12, Math.min(48, 1600 / Math.max(h, w)));
    }

    static void write(int[] order, int h, int w, String title, Path file) throws IOException {
        BufferedImage image = render(order, h, w, title);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException | RuntimeException e) {
            throw new org.vil4j.api.Vil4jException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static BufferedImage render(int[] order, int h, int w, String title) {
        System.setProperty("java.awt.headless", "true");
        int cell = cellSize(h, w);
        int width = w * cell + 2 * MARGIN, height = h * cell + 2 * MARGIN;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(title + "  " + h + "x" + w, MARGIN, MARGIN - 8);
            g.setColor(new Color(220, 220, 220));
            for (int r = 0; r <= h; r++) {
                g.drawLine(MARGIN, MARGIN + r * cell, MARGIN + w * cell, MARGIN + r * cell);
            }
            for (int c = 0; c <= w; c++) {
                g.drawLine(MARGIN + c * cell, MARGIN, MARGIN + c * cell, MARGIN + h * cell);
            }
            int n = order.length;
            g.setStroke(new BasicStroke(Math.max(1.5f, cell / 16f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int i = 1; i < n; i++) {
                double x0 = cx(order[i - 1], w, cell), y0 = cy(order[i - 1], w, cell);
                double x1 = cx(order[i], w, cell), y1 = cy(order[i], w, cell);
                g.setColor(ramp((i - 0.5) / Math.max(1, n - 1)));
                Path2D.Double segment = new Path2D.Double();
                segment.moveTo(x0, y0);
                segment.lineTo(x1, y1);
                g.draw(segment);
                arrowHead(g, x0, y0, x1, y1, cell / 6.0);
            }
            g.setColor(ramp(0));
            double r0 = cell / 7.0;
            g.fill(new java.awt.geom.Ellipse2D.Double(cx(order[0], w, cell) - r0, cy(order[0], w, cell) - r0, 2 * r0,
                    2 * r0));
            if (cell >= 20) {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, cell / 4)));
                FontMetrics fm = g.getFontMetrics();
                g.setColor(Color.BLACK);
                for (int i = 0; i < n; i++) {
                    String label = Integer.toString(i);
                    int x = MARGIN + (order[i] % w) * cell + 3, y = MARGIN + (order[i] / w) * cell + fm.getAscent() + 1;
                    g.drawString(label, x, y);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static double cx(int position, int w, int cell) {
        return MARGIN + (position % w + 0.5) * cell;
    }

    private static double cy(int position, int w, int cell) {
        return MARGIN + (position / w + 0.5) * cell;
    }

    /** Blue at the start of the path, red at its end. */
    private static Color ramp(double t) {
        t = Math.max(0, Math.min(1, t));
        return new Color((int) (30 + 200 * t), 60, (int) (230 - 200 * t));
    }

    private static void arrowHead(Graphics2D g, double x0, double y0, double x1, double y1, double size) {
        double dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
        if (len == 0) {
            return;
        }
        double ux = dx / len, uy = dy / len;
        double mx = x0 + dx * 0.6, my = y0 + dy * 0.6;
        Path2D.Double head = new Path2D.Double();
        head.moveTo(mx + ux * size, my + uy * size);
        head.lineTo(mx - uy * size * 0.6, my + ux * size * 0.6);
        head.lineTo(mx + uy * size * 0.6, my - ux * size * 0.6);
        head.closePath();
        g.fill(head);
    }
}
