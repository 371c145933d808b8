package org.vil4j.traversal;

/**
 * Clockwise spiral from the top-left corner inwards: top row, right column, bottom row backwards, left column upwards,
 * then the same on the inner rectangle. Every step is to a grid neighbour. Convolution: in the image's own geometry
 * ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class SpiralOutsideIn extends ImageFrameTraversal {
    public static final String NAME = "spiral_outside_in";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "clockwise spiral from the top-left corner to the centre; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        int i = 0, top = 0, bottom = h - 1, left = 0, right = w - 1;
        while (top <= bottom && left <= right) {
            for (int c = left; c <= right; c++) {
                order[i++] = top * w + c;
            }
            top++;
            for (int r = top; r <= bottom; r++) {
                order[i++] = r * w + right;
            }
            right--;
            if (top <= bottom) {
                for (int c = right; c >= left; c--) {
                    order[i++] = bottom * w + c;
                }
                bottom--;
            }
            if (left <= right) {
                for (int r = bottom; r >= top; r--) {
                    order[i++] = r * w + left;
                }
                left++;
            }
        }
        return order;
    }
}
