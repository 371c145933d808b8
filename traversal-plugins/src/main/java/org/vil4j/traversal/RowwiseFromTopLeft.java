package org.vil4j.traversal;

import org.vil4j.api.TraversalStrategy;

/** Row by row from the top-left corner: the image's own row-major order (the reference's first direction). */
public final class RowwiseFromTopLeft implements TraversalStrategy {
    public static final String NAME = "rowwise_from_top_left";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "row by row from the top-left corner (reference ViL, even sub-blocks)";
    }

    @Override
    public int[] order(int h, int w) {
        int[] order = new int[h * w];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return order;
    }
}
