package com.example.vil4j.traversal;

import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.TraversalStrategy;

/**
 * Example third-party traversal, {@code example_checkerboard}: first every "black" cell ({@code (r + c)} even) row by
 * row, then every "white" cell row by row. The two halves interleave spatially, so the mLSTM sees each cell's
 * 4-neighbours only in the other half of the sequence.
 *
 * <p>Convolution: in the image's own geometry ({@link ConvolutionFrames#imageFrame}): each token reads its spatial
 * neighbours wherever the order puts them, so the conv still sees the image.
 */
public final class Checkerboard implements TraversalStrategy {
    public static final String NAME = "example_checkerboard";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "example third-party plugin: black cells row-wise, then white cells; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("a token grid needs positive sides, got " + h + "x" + w);
        }
        int[] order = new int[h * w];
        int i = 0;
        for (int colour = 0; colour < 2; colour++) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    if ((r + c) % 2 == colour) {
                        order[i++] = r * w + c;
                    }
                }
            }
        }
        return order;
    }

    @Override
    public int[] convolutionNeighbours(int h, int w, int k) {
        return ConvolutionFrames.imageFrame(order(h, w), h, w, k);
    }
}
