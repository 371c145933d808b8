package org.vil4j.traversal;

import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.TraversalStrategy;

/**
 * Base of the traversals that are not the reference's: the sub-block's 2-D convolution runs in the image's own
 * geometry ({@link ConvolutionFrames#imageFrame}), so a token always reads its spatial neighbours with the kernel in
 * the image's orientation, whatever position the order gives them in the sequence.
 */
abstract class ImageFrameTraversal implements TraversalStrategy {
    @Override
    public int[] convolutionNeighbours(int h, int w, int k) {
        return ConvolutionFrames.imageFrame(order(h, w), h, w, k);
    }

    @Override
    public String toString() {
        return name();
    }

    static void checkGrid(int h, int w) {
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("a token grid needs positive sides, got " + h + "x" + w);
        }
    }

    static int[] reversed(int[] order) {
        int[] out = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = order[order.length - 1 - i];
        }
        return out;
    }

    /**
     * The number {@code prefix} is followed by in {@code name}, written canonically (no sign, no leading zeros), or
     * -1 when the name is not {@code prefix<number>}.
     */
    static long parameter(String name, String prefix) {
        if (name == null || !name.startsWith(prefix) || name.length() == prefix.length()
                || name.length() - prefix.length() > 18) {
            return -1;
        }
        String digits = name.substring(prefix.length());
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        long value = Long.parseLong(digits);
        return Long.toString(value).equals(digits) ? value : -1;
    }
}
