package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.TransferStats;

import java.util.Arrays;

/**
 * Timed runs of one workload, as `vil bench` takes them: the warm-up runs untimed, then each timed run on its own,
 * with the bytes moved and the launches of all the timed runs; with {@code profile} as many runs again with
 * profiling on (it runs each op alone, which costs time, so never during the timed ones).
 *
 * @param sortedMs   each timed run's milliseconds, ascending
 * @param moved      the bytes the timed runs moved, all of them
 * @param launches   the kernel launches of the timed runs, all of them
 */
record BenchTiming(double[] sortedMs, TransferStats moved, long launches) {
    static BenchTiming of(Ops ops, Runnable once, int warmup, int iterations, boolean profile) {
        for (int i = 0; i < warmup; i++) {
            once.run();
        }
        double[] ms = new double[iterations];
        TransferStats before = ops.transfers();
        long launchesBefore = ops.kernelLaunches();
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            once.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        TransferStats moved = ops.transfers().minus(before);
        long launches = ops.kernelLaunches() - launchesBefore;
        ops.setProfiling(profile);
        for (int i = 0; profile && i < iterations; i++) {
            once.run();
        }
        Arrays.sort(ms);
        return new BenchTiming(ms, moved, launches);
    }

    double medianMs() {
        return sortedMs[sortedMs.length / 2];
    }

    double minMs() {
        return sortedMs[0];
    }

    double maxMs() {
        return sortedMs[sortedMs.length - 1];
    }
}
