package org.vil4j.api;

/**
 * Orders the h x w patch tokens of an image into the sequence a sub-block mixes, and says how that sub-block's 2-D
 * convolution sees the ordered sequence. Grid positions are row-major ({@code r * w + c}).
 *
 * <p>Parameterised traversals (a window size, a seed) register one instance with default parameters under its stable
 * name and answer the other names of their family through {@link #variant(String)}; {@link Plugins#traversal(String)}
 * asks every registered traversal when a name is not registered itself.
 */
public interface TraversalStrategy {
    /** Stable lower-case name recorded in configurations and saved models. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /** {@code order[i]} = grid position of the i-th token visited; a permutation of {@code 0 .. h*w-1}. */
    int[] order(int h, int w);

    /** {@code inverse[order[i]] = i}. */
    default int[] inverse(int h, int w) {
        int[] order = order(h, w);
        int[] inverse = new int[order.length];
        java.util.Arrays.fill(inverse, -1);
        for (int i = 0; i < order.length; i++) {
            if (order[i] < 0 || order[i] >= order.length || inverse[order[i]] != -1) {
                throw new Vil4jException("traversal '" + name() + "' is not a permutation on a " + h + "x" + w + " grid");
            }
            inverse[order[i]] = i;
        }
        return inverse;
    }

    /**
     * Neighbour table of a depthwise k x k convolution (k odd, zero padding k/2) applied to the ordered sequence:
     * entry {@code [i * k*k + ky * k + kx]} is the sequence position that tap (ky, kx) reads for output position i,
     * or -1. The default is the reference's behaviour: the ordered sequence is laid back row-major on an h x w image
     * and convolved there (for the reversed row-wise order this is the image rotated by 180 degrees).
     */
    default int[] convolutionNeighbours(int h, int w, int k) {
        return ConvolutionFrames.rowMajorFrame(h, w, k);
    }

    /**
     * Another member of this traversal's family named {@code name} (e.g. {@code local_window_k3} asked of the
     * registered {@code local_window_k2}), or empty when the name is not of this family. The returned traversal's
     * {@link #name()} must be {@code name}. Default: no family.
     */
    default java.util.Optional<TraversalStrategy> variant(String name) {
        return java.util.Optional.empty();
    }
}
