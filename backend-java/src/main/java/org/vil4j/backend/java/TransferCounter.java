package org.vil4j.backend.java;

import org.vil4j.api.TransferStats;

/**
 * Counts host copies the way a device backend counts host/device transfers, so tests can compare the two: one
 * transfer per upload, parameter, assign, index table and download, four bytes per element. There is no device
 * arena to create or grow, so setup bytes stay zero.
 */
final class TransferCounter {
    private long bytesIn;
    private long bytesOut;
    private long parameterBytes;
    private long transfers;

    void input(long elements) {
        bytesIn += 4 * elements;
        transfers++;
    }

    void output(long elements) {
        bytesOut += 4 * elements;
        transfers++;
    }

    void parameter(long elements) {
        parameterBytes += 4 * elements;
        transfers++;
    }

    TransferStats snapshot() {
        return new TransferStats(bytesIn, bytesOut, parameterBytes, 0, transfers);
    }
}
