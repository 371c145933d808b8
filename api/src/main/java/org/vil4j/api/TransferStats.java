package org.vil4j.api;

/**
 * Bytes moved between host and device by one {@link Ops} instance since it was opened.
 *
 * @param bytesIn        activations uploaded (input batches)
 * @param bytesOut       results downloaded
 * @param parameterBytes parameters and index tables uploaded
 * @param setupBytes     everything else: creating or growing device arenas and staging buffers
 * @param transfers      number of separate copies
 */
public record TransferStats(long bytesIn, long bytesOut, long parameterBytes, long setupBytes, long transfers) {
    public static final TransferStats NONE = new TransferStats(0, 0, 0, 0, 0);

    /** What moved between {@code earlier} and this snapshot. */
    public TransferStats minus(TransferStats earlier) {
        return new TransferStats(bytesIn - earlier.bytesIn, bytesOut - earlier.bytesOut,
                parameterBytes - earlier.parameterBytes, setupBytes - earlier.setupBytes,
                transfers - earlier.transfers);
    }

    public long totalBytes() {
        return bytesIn + bytesOut + parameterBytes + setupBytes;
    }
}
