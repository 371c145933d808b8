package org.vil4j.api;

/**
 * What one kind of device operation cost while profiling was on ({@link Ops#setProfiling}).
 *
 * @param op          the operation kind, e.g. {@code gemm/bias} or {@code layer_norm}
 * @param launches    device programs launched for it
 * @param hostNanos   wall time around the launches (launch overhead included: a launch waits for the device)
 * @param deviceNanos device execution time from the driver's event times, or -1 where the backend has none
 * @param flops       floating-point operations the launches did (counted from the shapes), or 0 where not counted
 * @param bytes       the fewest bytes they had to move through device memory (each input read once, each output
 *                    written once), or 0 where not counted
 */
public record OpProfile(String op, long launches, long hostNanos, long deviceNanos, long flops, long bytes) {

    /** The time to rate the op by: device time where known, else host time. */
    public long nanos() {
        return deviceNanos >= 0 ? deviceNanos : hostNanos;
    }

    /** Achieved TFLOP/s over {@link #nanos()}, or 0 where flops were not counted. */
    public double teraflopsPerSecond() {
        return nanos() == 0 ? 0 : flops / (double) nanos() / 1e3;
    }

    /** Achieved GB/s over {@link #nanos()}, or 0 where bytes were not counted. */
    public double gigabytesPerSecond() {
        return nanos() == 0 ? 0 : bytes / (double) nanos();
    }
}
