package org.vil4j.traversal;

/**
 * {@code snake_columns} walked backwards: starts at the end of the last column (bottom-right when w is odd,
 * top-right when w is even). Convolution: in the image's own geometry
 * ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class SnakeColumnsReversed extends ImageFrameTraversal {
    public static final String NAME = "snake_columns_reversed";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "snake by columns walked backwards from the last column's end; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        return reversed(new SnakeColumns().order(h, w));
    }
}
