package org.vil4j.traversal;

/**
 * {@code snake_rows} walked backwards: starts at the end of the last row (bottom-right when h is odd, bottom-left when
 * h is even). Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class SnakeRowsReversed extends ImageFrameTraversal {
    public static final String NAME = "snake_rows_reversed";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "snake by rows walked backwards from the last row's end; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        return reversed(new SnakeRows().order(h, w));
    }
}
