package org.vil4j.traversal;

/**
 * Column by column from the bottom-right corner, each column bottom to top: the column-major sequence reversed.
 * Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class ColumnwiseFromBotRight extends ImageFrameTraversal {
    public static final String NAME = "columnwise_from_bot_right";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "column by column from the bottom-right corner, bottom to top (reversed column scan); conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        return reversed(new ColumnwiseFromTopLeft().order(h, w));
    }
}
