package org.vil4j.traversal;

/**
 * Column by column from the top-left corner, each column top to bottom (the column-major order; VMamba's vertical
 * scan). Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class ColumnwiseFromTopLeft extends ImageFrameTraversal {
    public static final String NAME = "columnwise_from_top_left";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "column by column from the top-left corner, top to bottom (VMamba vertical scan); conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        for (int i = 0; i < order.length; i++) {
            order[i] = (i % h) * w + i / h;
        }
        return order;
    }
}
