package org.vil4j.api;

/** Neighbour tables for the ways a depthwise convolution can see a token sequence. */
public final class ConvolutionFrames {
    private ConvolutionFrames() {
    }

    /** The sequence laid row-major on an h x w image, k x k taps, zero padding k/2. */
    public static int[] rowMajorFrame(int h, int w, int k) {
        if (k % 2 == 0) {
            throw new IllegalArgumentException("a same-size 2-D convolution needs an odd kernel, got " + k);
        }
        int pad = k / 2;
        int[] table = new int[h * w * k * k];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int base = (r * w + c) * k * k;
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        int rr = r + ky - pad;
                        int cc = c + kx - pad;
                        table[base + ky * k + kx] = rr >= 0 && rr < h && cc >= 0 && cc < w ? rr * w + cc : -1;
                    }
                }
            }
        }
        return table;
    }

    /**
     * The convolution in the image's own geometry, whatever the order: the token at sequence position i (grid cell
     * {@code order[i]}) reads, for tap (ky, kx), the sequence position of grid cell (r + ky - k/2, c + kx - k/2), or
     * -1 outside the grid. For the identity order this is {@link #rowMajorFrame}.
     */
    public static int[] imageFrame(int[] order, int h, int w, int k) {
        if (k % 2 == 0) {
            throw new IllegalArgumentException("a same-size 2-D convolution needs an odd kernel, got " + k);
        }
        if (order.length != h * w) {
            throw new IllegalArgumentException("order has " + order.length + " entries, the grid " + h + "x" + w);
        }
        int[] position = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            position[order[i]] = i;
        }
        int pad = k / 2;
        int[] table = new int[h * w * k * k];
        for (int i = 0; i < order.length; i++) {
            int r = order[i] / w, c = order[i] % w, base = i * k * k;
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int rr = r + ky - pad, cc = c + kx - pad;
                    table[base + ky * k + kx] = rr >= 0 && rr < h && cc >= 0 && cc < w ? position[rr * w + cc] : -1;
                }
            }
        }
        return table;
    }

    /** A causal 1-D convolution of width k along the sequence: tap j reads position {@code i - (k - 1) + j}. */
    public static int[] causal1d(int length, int k) {
        int[] table = new int[length * k];
        for (int i = 0; i < length; i++) {
            for (int j = 0; j < k; j++) {
                int s = i - (k - 1) + j;
                table[i * k + j] = s >= 0 ? s : -1;
            }
        }
        return table;
    }

    /**
     * The tap table of a k x k convolution with stride 1 and zero padding {@code padding} on an h x w row-major grid,
     * for {@link Ops#conv2d}: one column, {@code OH*OW*k*k} rows (OH = h + 2 padding - k + 1, OW likewise), row
     * {@code s*k*k + ky*k + kx} the grid cell read by tap (ky, kx) of output cell s, or -1 outside the grid.
     */
    public static int[] conv2dTaps(int h, int w, int k, int padding) {
        int oh = h + 2 * padding - k + 1, ow = w + 2 * padding - k + 1;
        if (k < 1 || padding < 0 || oh < 1 || ow < 1) {
            throw new IllegalArgumentException("a " + k + "x" + k + " convolution with padding " + padding
                    + " does not fit a " + h + "x" + w + " grid");
        }
        int[] taps = new int[oh * ow * k * k];
        int i = 0;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        int y = oy + ky - padding, x = ox + kx - padding;
                        taps[i++] = y < 0 || y >= h || x < 0 || x >= w ? -1 : y * w + x;
                    }
                }
            }
        }
        return taps;
    }
}
