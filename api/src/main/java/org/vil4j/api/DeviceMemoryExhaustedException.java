package org.vil4j.api;

/**
 * A backend cannot hold the tensors asked of it (its memory bound is reached). Thrown by the allocating operation
 * before anything changes: every tensor made before stays valid, so a caller can free memory, or switch to a leaner
 * way of computing (a trainer recomputing activations), and go on.
 */
public class DeviceMemoryExhaustedException extends Vil4jException {
    private final long requestedBytes;
    private final long limitBytes;

    public DeviceMemoryExhaustedException(String message, long requestedBytes, long limitBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.limitBytes = limitBytes;
    }

    /** The bytes live tensors would have taken with the failed allocation. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** The backend's bound. */
    public long limitBytes() {
        return limitBytes;
    }
}
