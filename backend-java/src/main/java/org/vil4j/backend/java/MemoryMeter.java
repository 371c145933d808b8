package org.vil4j.backend.java;

/**
 * The bytes this backend's tensors and kernels hold, for {@link org.vil4j.api.Ops#peakDeviceBytes()}: persistent
 * tensors (parameters, index tables), live workspace tensors, and the working arrays a kernel holds while it runs
 * (counted from its size formula, e.g. the mLSTM's per-thread head slices). Pooled free arrays are not counted: they
 * are reused, not needed.
 */
final class MemoryMeter {
    private long persistentBytes;
    private long peakBytes;

    void persistent(long bytes) {
        persistentBytes += bytes;
        peakBytes = Math.max(peakBytes, persistentBytes);
    }

    /** Notes the moment where {@code workspaceBytes} are live and a kernel holds {@code scratchBytes}. */
    void note(long workspaceBytes, long scratchBytes) {
        peakBytes = Math.max(peakBytes, persistentBytes + workspaceBytes + scratchBytes);
    }

    long peak() {
        return peakBytes;
    }

    /** Bytes of the working arrays of {@code tasks} concurrent (batch, head) tasks plus {@code shared} bytes. */
    static long scratch(int items, long perTaskBytes, long sharedBytes) {
        return Math.min(items, Parallel.threads()) * perTaskBytes + sharedBytes;
    }
}
