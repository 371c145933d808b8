package org.vil4j.traversal;

import org.vil4j.api.TraversalStrategy;

/**
 * Row by row from the bottom-right corner: the row-major sequence reversed (the reference's {@code x.flip(1)}).
 * The 2-D convolution sees the reversed sequence laid on the grid, i.e. the image rotated by 180 degrees.
 */
public final class RowwiseFromBotRight implements TraversalStrategy {
    public static final String NAME = "rowwise_from_bot_right";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "row by row from the bottom-right corner, right to left (reference ViL, odd sub-blocks)";
    }

    @Override
    public int[] order(int h, int w) {
        int n = h * w;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = n - 1 - i;
        }
        return order;
    }
}
