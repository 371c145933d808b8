package org.vil4j.backend.java;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/** Splits a loop over the common fork-join pool when it is large enough to pay for the forks. */
final class Parallel {
    /** Below this many inner-loop steps, one thread finishes before a fork would start. */
    static final long MIN_PARALLEL_WORK = 1L << 15;

    private Parallel() {
    }

    /** A loop body over items {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    static int threads() {
        return ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /**
     * Runs {@code body} over {@code [0, count)}, in parallel chunks when {@code count * workPerItem} is large.
     * Chunks are contiguous, several per thread so uneven items (e.g. causal rows) still balance.
     */
    static void forRange(int count, long workPerItem, Range body) {
        long total = (long) count * Math.max(1, workPerItem);
        int threads = threads();
        if (count < 2 || threads < 2 || total < MIN_PARALLEL_WORK) {
            body.run(0, count);
            return;
        }
        int chunks = (int) Math.min(count, Math.min(4L * threads, total / (MIN_PARALLEL_WORK / 4)));
        if (chunks < 2) {
            body.run(0, count);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(chunk ->
                body.run((int) ((long) count * chunk / chunks), (int) ((long) count * (chunk + 1) / chunks)));
    }
}
