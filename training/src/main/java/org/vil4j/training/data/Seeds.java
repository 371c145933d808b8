package org.vil4j.training.data;

/**
 * Derives independent generator seeds from (purpose, seed, epoch, index) tuples, so every random choice is a pure
 * function of what it is for and never of thread timing, batch size or where a run resumed.
 */
final class Seeds {
    static final long AUGMENTATION = 0x41554721L;
    static final long SHUFFLE = 0x53485546L;

    private Seeds() {
    }

    static long mix(long purpose, long... parts) {
        long hash = finalise(purpose);
        for (long part : parts) {
            // finalising after each part makes the result depend on the order of the parts, not only on their sum
            hash = finalise(hash + 0x9E3779B97F4A7C15L + part);
        }
        return hash;
    }

    /** SplitMix64's output function: a bijection that spreads every input bit over the whole word. */
    private static long finalise(long value) {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
