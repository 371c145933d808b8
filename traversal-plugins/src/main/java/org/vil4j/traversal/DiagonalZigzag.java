package org.vil4j.traversal;

/**
 * JPEG-style zig-zag over the anti-diagonals {@code r + c = d}, d = 0 .. h+w-2: even diagonals are walked from
 * bottom-left to top-right, odd ones from top-right to bottom-left. Convolution: in the image's own geometry
 * ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class DiagonalZigzag extends ImageFrameTraversal {
    public static final String NAME = "diagonal_zigzag";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "zig-zag along anti-diagonals from the top-left corner (JPEG order); conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        int i = 0;
        for (int d = 0; d <= h + w - 2; d++) {
            int rMin = Math.max(0, d - (w - 1)), rMax = Math.min(d, h - 1);
            if (d % 2 == 0) {
                for (int r = rMax; r >= rMin; r--) {
                    order[i++] = r * w + (d - r);
                }
            } else {
                for (int r = rMin; r <= rMax; r++) {
                    order[i++] = r * w + (d - r);
                }
            }
        }
        return order;
    }
}
