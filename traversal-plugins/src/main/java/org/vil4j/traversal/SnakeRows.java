package org.vil4j.traversal;

/**
 * Snake (boustrophedon) by rows from the top-left corner: row 0 left to right, row 1 right to left, ... (PlainMamba's
 * zig-zag scan). Every step is to a grid neighbour. Convolution: in the image's own geometry
 * ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class SnakeRows extends ImageFrameTraversal {
    public static final String NAME = "snake_rows";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "snake by rows from the top-left corner, alternating left-right (PlainMamba); conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        int i = 0;
        for (int r = 0; r < h; r++) {
            for (int j = 0; j < w; j++) {
                order[i++] = r * w + (r % 2 == 0 ? j : w - 1 - j);
            }
        }
        return order;
    }
}
