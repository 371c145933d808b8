package org.vil4j.api;

/**
 * Bytes moved between host and device by one {@link Ops} instance since it was opened (or last reset).
 *
 * @param bytesIn        activations uploaded (inputs)
 * @param bytesOut       results downloaded
 * @param parameterBytes parameters and index tables uploaded
 * @param transfers      number of separate copies
 */
public record TransferStats(long bytesIn, long bytesOut, long parameterBytes, long transfers) {
    public TransferStats minus(TransferStats earlier) {
        return new TransferStats(bytesIn - earlier.bytesIn, bytesOut - earlier.bytesOut,
                parameterBytes - earlier.parameterBytes, transfers - earlier.transfers);
    }
}
