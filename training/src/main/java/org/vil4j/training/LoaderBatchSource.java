package org.vil4j.training;

import org.vil4j.training.data.Augmentation;
import org.vil4j.training.data.Batch;
import org.vil4j.training.data.BatchLoader;
import org.vil4j.training.data.Dataset;

import java.util.List;

/**
 * A {@link BatchSource} over a {@link Dataset}: each epoch is a {@link BatchLoader} (background threads, seeded
 * order and augmentation), so an epoch started at any batch sees exactly the data of an uninterrupted run.
 */
public record LoaderBatchSource(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast,
                         Augmentation augmentation, long seed, int workerThreads) implements BatchSource {

    /** Training: shuffled, augmented, the last partial batch dropped. */
    public static LoaderBatchSource training(Dataset dataset, int batchSize, Augmentation augmentation, long seed,
                                             int workerThreads) {
        return new LoaderBatchSource(dataset, batchSize, true, true, augmentation, seed, workerThreads);
    }

    /** Evaluation: in order, normalised only, every sample. */
    public static LoaderBatchSource evaluation(Dataset dataset, int batchSize, Augmentation augmentation,
                                               int workerThreads) {
        return new LoaderBatchSource(dataset, batchSize, false, false, augmentation, 0, workerThreads);
    }

    @Override
    public int batchesPerEpoch() {
        return BatchLoader.batchesPerEpoch(dataset.size(), batchSize, dropLast);
    }

    @Override
    public int samplesPerEpoch() {
        return dropLast ? batchesPerEpoch() * batchSize : dataset.size();
    }

    @Override
    public BatchLoader open(int epoch, int startBatch) { // a BatchLoader: close it when done
        return new BatchLoader(dataset, batchSize, shuffle, dropLast, augmentation, seed, epoch, startBatch,
                workerThreads);
    }

    /** The first {@code limit} samples of {@code dataset} (all of them when it has fewer). */
    public static Dataset firstSamples(Dataset dataset, int limit) {
        if (limit >= dataset.size()) {
            return dataset;
        }
        return new Dataset() {
            @Override
            public String name() {
                return dataset.name() + "[:" + limit + "]";
            }

            @Override
            public int size() {
                return limit;
            }

            @Override
            public int channels() {
                return dataset.channels();
            }

            @Override
            public int height() {
                return dataset.height();
            }

            @Override
            public int width() {
                return dataset.width();
            }

            @Override
            public List<String> classNames() {
                return dataset.classNames();
            }

            @Override
            public int label(int index) {
                return dataset.label(index);
            }

            @Override
            public void image(int index, float[] target, int offset) {
                dataset.image(index, target, offset);
            }
        };
    }
}
