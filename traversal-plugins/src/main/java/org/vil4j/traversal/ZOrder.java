package org.vil4j.traversal;

/**
 * Z-order (Morton) curve: cells sorted by the bit-interleaving of (row, column), row bits in the odd places. For a
 * grid that is not a power-of-two square this is the Morton order of the enclosing 2^m x 2^m square with the cells
 * outside the grid skipped (so some steps jump). Convolution: in the image's own geometry
 * ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 */
public final class ZOrder extends ImageFrameTraversal {
    public static final String NAME = "zorder";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Z-order (Morton) curve, power-of-two square cropped to the grid; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        long[] keys = new long[h * w];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                keys[r * w + c] = (interleave(r) << 1 | interleave(c)) << 32 | (r * w + c);
            }
        }
        java.util.Arrays.sort(keys);
        int[] order = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) (keys[i] & 0xffffffffL);
        }
        return order;
    }

    /** The bits of v (v < 2^15) spread to the even places. */
    private static long interleave(int v) {
        long x = v & 0x7fff;
        x = (x | x << 8) & 0x00ff00ffL;
        x = (x | x << 4) & 0x0f0f0f0fL;
        x = (x | x << 2) & 0x33333333L;
        x = (x | x << 1) & 0x55555555L;
        return x;
    }
}
