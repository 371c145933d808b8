package org.vil4j.training.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * The batches of one epoch, assembled on background threads a few batches ahead of the consumer and handed out in
 * order ({@link OrderedPrefetch}), so that reading and augmenting overlap the training step. Each batch is a pure
 * function of (dataset, seed, epoch, batch index), so the worker count changes nothing but speed and
 * {@code startBatch} resumes exactly. One consumer thread calls {@link #next}; the loader itself is not meant to be
 * shared.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final Augmentation augmentation;
    private final long seed;
    private final int epoch;
    private final int[] order;
    private final int batches;
    private final OrderedPrefetch<Batch> prefetch;

    /**
     * @param shuffle visit the dataset in a permutation seeded by (seed, epoch), else in index order
     * @param dropLast leave out a last, incomplete batch
     * @param startBatch the first batch to produce (0 for a fresh epoch; after resuming, the batches already done)
     * @param workerThreads background threads (at least 1); the prefetch depth is one more, between 2 and 4
     */
    public BatchLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Augmentation augmentation,
                       long seed, int epoch, int startBatch, int workerThreads) {
        this.dataset = Objects.requireNonNull(dataset);
        this.augmentation = Objects.requireNonNull(augmentation);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " is not positive");
        }
        if (augmentation.normalisation().channels() != dataset.channels()) {
            throw new IllegalArgumentException("normalisation for " + augmentation.normalisation().channels()
                    + " channel(s) does not fit " + dataset.name() + " with " + dataset.channels());
        }
        this.batchSize = batchSize;
        this.seed = seed;
        this.epoch = epoch;
        this.batches = batchesPerEpoch(dataset.size(), batchSize, dropLast);
        if (startBatch < 0 || startBatch > batches) {
            throw new IllegalArgumentException("start batch " + startBatch + " is outside the " + batches
                    + " batches of an epoch of " + dataset.name());
        }
        this.order = EpochOrder.of(dataset.size(), shuffle, seed, epoch);
        this.prefetch = new OrderedPrefetch<>(startBatch, batches, workerThreads, "batch %d of " + dataset.name(),
                this::assemble);
    }

    /**
     * The dataset indices in the order {@code epoch} visits them (what a loader with these arguments hands out):
     * for exporting a run's exact data order to another framework.
     */
    public static int[] epochOrder(int size, boolean shuffle, long seed, int epoch) {
        return EpochOrder.of(size, shuffle, seed, epoch);
    }

    public static int batchesPerEpoch(int size, int batchSize, boolean dropLast) {
        if (size < 0 || batchSize < 1) {
            throw new IllegalArgumentException("dataset size " + size + ", batch size " + batchSize);
        }
        return dropLast ? size / batchSize : (size + batchSize - 1) / batchSize;
    }

    /** Batches of the whole epoch, including any skipped by {@code startBatch}. */
    public int batchesInEpoch() {
        return batches;
    }

    @Override
    public boolean hasNext() {
        return prefetch.hasNext();
    }

    /**
     * The next batch in order, waiting for it if the workers are behind.
     *
     * @throws DatasetException (or the worker's own {@link RuntimeException}) when reading or augmenting it failed
     */
    @Override
    public Batch next() {
        if (!prefetch.isClosed() && prefetch.nextIndex() >= batches) {
            throw new NoSuchElementException("epoch " + epoch + " of " + dataset.name() + " has " + batches
                    + " batches");
        }
        return prefetch.next();
    }

    /** Stops the workers and drops prefetched batches; safe to call more than once. */
    @Override
    public void close() {
        prefetch.close();
    }

    /** For tests: whether every worker thread has ended, waiting up to {@code millis}. */
    boolean awaitWorkersEnded(long millis) throws InterruptedException {
        return prefetch.awaitWorkersEnded(millis);
    }

    private Batch assemble(int batchIndex) {
        int first = batchIndex * batchSize;
        int size = Math.min(batchSize, order.length - first);
        int channels = dataset.channels();
        int height = dataset.height();
        int width = dataset.width();
        int imageLength = channels * height * width;
        float[] images = new float[size * imageLength];
        int[] labels = new int[size];
        for (int k = 0; k < size; k++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("batch loader closed");
            }
            int index = order[first + k];
            dataset.image(index, images, k * imageLength);
            augmentation.apply(images, k * imageLength, channels, height, width, seed, epoch, index);
            labels[k] = dataset.label(index);
        }
        return new Batch(images, labels, size, channels, height, width, epoch, batchIndex);
    }
}
