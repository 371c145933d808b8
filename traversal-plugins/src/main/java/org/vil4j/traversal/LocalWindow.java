package org.vil4j.traversal;

import org.vil4j.api.TraversalStrategy;

import java.util.Optional;

/**
 * Local-window scan (LocalMamba): the grid is cut into k x k windows, visited row by row from the top-left; inside a
 * window the tokens are visited row by row. Windows at the right and bottom edges are partial when k does not divide
 * the side. Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}).
 *
 * <p>Name syntax: {@code local_window_k<K>} with K a positive integer written without leading zeros, e.g.
 * {@code local_window_k3}. The registered instance is {@code local_window_k2}; any other K is found by name through
 * {@link org.vil4j.api.Plugins#traversal(String)}. {@code local_window_k1} is the row-major order.
 */
public final class LocalWindow extends ImageFrameTraversal {
    public static final String PREFIX = "local_window_k";
    public static final int DEFAULT_K = 2;

    private final int k;

    /** The registered instance: 2 x 2 windows. */
    public LocalWindow() {
        this(DEFAULT_K);
    }

    public LocalWindow(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("a local window needs k >= 1, got " + k);
        }
        this.k = k;
    }

    public int windowSize() {
        return k;
    }

    @Override
    public String name() {
        return PREFIX + k;
    }

    @Override
    public String description() {
        return k + "x" + k + " windows row by row, rows inside each (LocalMamba); any K as local_window_k<K>; "
                + "conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        int i = 0;
        for (int wr = 0; wr < h; wr += k) {
            for (int wc = 0; wc < w; wc += k) {
                for (int r = wr; r < Math.min(h, wr + k); r++) {
                    for (int c = wc; c < Math.min(w, wc + k); c++) {
                        order[i++] = r * w + c;
                    }
                }
            }
        }
        return order;
    }

    @Override
    public Optional<TraversalStrategy> variant(String name) {
        long value = parameter(name, PREFIX);
        return value >= 1 && value <= Integer.MAX_VALUE ? Optional.of(new LocalWindow((int) value)) : Optional.empty();
    }
}
