package org.vil4j.training.data;

import java.util.SplittableRandom;

/** The order in which one epoch visits a dataset. */
final class EpochOrder {
    private EpochOrder() {
    }

    /** A Fisher-Yates permutation seeded by (seed, epoch) when shuffling, else the identity. */
    static int[] of(int size, boolean shuffle, long seed, int epoch) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(Seeds.mix(Seeds.SHUFFLE, seed, epoch));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return order;
    }
}
