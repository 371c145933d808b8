package org.vil4j.training;

import org.vil4j.training.data.Batch;

import java.util.Iterator;

/** Where a trainer's batches come from: one ordered pass per epoch, startable at any batch (resume). */
public interface BatchSource {
    int batchesPerEpoch();

    /** Samples per epoch that the batches cover. */
    int samplesPerEpoch();

    /** The batches of {@code epoch} from {@code startBatch} on; close it (if AutoCloseable) when done. */
    Iterator<Batch> open(int epoch, int startBatch);
}
