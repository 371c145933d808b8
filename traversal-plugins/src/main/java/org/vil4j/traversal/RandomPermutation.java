package org.vil4j.traversal;

import org.vil4j.api.TraversalStrategy;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A fixed random order, the control that has no spatial structure: a Fisher-Yates shuffle of the grid positions
 * driven by {@link SplittableRandom} seeded with the seed and the grid size, so the same name and grid give the same
 * order on every JVM. Convolution: in the image's own geometry ({@link org.vil4j.api.ConvolutionFrames#imageFrame}),
 * so the conv still sees real neighbours while the mLSTM sees a shuffled sequence.
 *
 * <p>Name syntax: {@code random_seed<S>} with S a non-negative integer written without leading zeros, e.g.
 * {@code random_seed42}. The registered instance is {@code random_seed0}; any other seed is found by name through
 * {@link org.vil4j.api.Plugins#traversal(String)}.
 */
public final class RandomPermutation extends ImageFrameTraversal {
    public static final String PREFIX = "random_seed";

    private final long seed;

    /** The registered instance: seed 0. */
    public RandomPermutation() {
        this(0);
    }

    public RandomPermutation(long seed) {
        if (seed < 0) {
            throw new IllegalArgumentException("the seed of a random traversal must be >= 0, got " + seed);
        }
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    @Override
    public String name() {
        return PREFIX + seed;
    }

    @Override
    public String description() {
        return "fixed random permutation (control), seeded; any seed as random_seed<S>; conv in image frame";
    }

    @Override
    public int[] order(int h, int w) {
        checkGrid(h, w);
        int[] order = new int[h * w];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + ((long) h << 32 | w));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @Override
    public Optional<TraversalStrategy> variant(String name) {
        long value = parameter(name, PREFIX);
        return value >= 0 ? Optional.of(new RandomPermutation(value)) : Optional.empty();
    }
}
