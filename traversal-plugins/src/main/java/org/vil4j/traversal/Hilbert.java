package org.vil4j.traversal;

/**
 * Hilbert curve generalised to any h x w rectangle (the "generalized Hilbert" / gilbert construction of J. Červený:
 * split the rectangle along its long side into halves of even size where possible and recurse with rotated axes).
 * On power-of-two squares it is the classic Hilbert curve; elsewhere every step goes to a grid neighbour except at
 * most a few diagonal steps where odd sides force them. It starts at the top-left corner and runs along the longer
 * side. Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class Hilbert extends ImageFrameTraversal {
    public static final String NAME = "hilbert";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Hilbert curve generalised to any rectangle (gilbert), from the top-left corner; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        Path path = new Path(h, w);
        // x is the column, y the row
        if (w >= h) {
            generate(path, 0, 0, w, 0, 0, h);
        } else {
            generate(path, 0, 0, 0, h, w, 0);
        }
        return path.order;
    }

    private static final class Path {
        final int w;
        final int[] order;
        int next;

        Path(int h, int w) {
            this.w = w;
            this.order = new int[h * w];
        }

        void visit(int x, int y) {
            order[next++] = y * w + x;
        }
    }

    /** Fills the rectangle spanned from (x, y) by the major axis (ax, ay) and the minor axis (bx, by). */
    private static void generate(Path path, int x, int y, int ax, int ay, int bx, int by) {
        int width = Math.abs(ax + ay), height = Math.abs(bx + by);
        int dax = Integer.signum(ax), day = Integer.signum(ay), dbx = Integer.signum(bx), dby = Integer.signum(by);
        if (height == 1) {
            for (int i = 0; i < width; i++, x += dax, y += day) {
                path.visit(x, y);
            }
            return;
        }
        if (width == 1) {
            for (int i = 0; i < height; i++, x += dbx, y += dby) {
                path.visit(x, y);
            }
            return;
        }
        int ax2 = Math.floorDiv(ax, 2), ay2 = Math.floorDiv(ay, 2);
        int bx2 = Math.floorDiv(bx, 2), by2 = Math.floorDiv(by, 2);
        int width2 = Math.abs(ax2 + ay2), height2 = Math.abs(bx2 + by2);
        if (2 * width > 3 * height) {
            if (width2 % 2 != 0 && width > 2) {
                ax2 += dax;
                ay2 += day;
            }
            // long rectangle: two halves along the major axis
            generate(path, x, y, ax2, ay2, bx, by);
            generate(path, x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by);
        } else {
            if (height2 % 2 != 0 && height > 2) {
                bx2 += dbx;
                by2 += dby;
            }
            // up the minor axis, along the whole major axis, back down
            generate(path, x, y, bx2, by2, ax2, ay2);
            generate(path, x + bx2, y + by2, ax, ay, bx - bx2, by - by2);
            generate(path, x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby), -bx2, -by2, -(ax - ax2),
                    -(ay - ay2));
        }
    }
}
