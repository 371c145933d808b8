package org.vil4j.traversal;

/**
 * Snake by columns from the top-left corner: column 0 top to bottom, column 1 bottom to top, ... Every step is to a
 * grid neighbour. Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class SnakeColumns extends ImageFrameTraversal {
    public static final String NAME = "snake_columns";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "snake by columns from the top-left corner, alternating down-up; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        int i = 0;
        for (int c = 0; c < w; c++) {
            for (int j = 0; j < h; j++) {
                order[i++] = (c % 2 == 0 ? j : h - 1 - j) * w + c;
            }
        }
        return order;
    }
}
