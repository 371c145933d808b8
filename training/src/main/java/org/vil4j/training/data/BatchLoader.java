package org.vil4j.training.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The batches of one epoch, assembled on background threads a few batches ahead of the consumer and handed out in
 * order, so that reading and augmenting overlap the training step. Each batch is a pure function of (dataset, seed,
 * epoch, batch index), so the worker count changes nothing but speed and {@code startBatch} resumes exactly.
 * One consumer thread calls {@link #next}; the loader itself is not meant to be shared.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final Dataset dataset;
    private final int batchSize;
    private final Augmentation augmentation;
    private final long seed;
    private final int epoch;
    private final int[] order;
    private final int batches;
    private final ExecutorService workers;
    /** Every thread the pool started, so tests can see that closing ends them. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    /** Batches submitted and not yet handed out, oldest first; its size is bounded by {@link #prefetch}. */
    private final ArrayDeque<Future<Batch>> pending = new ArrayDeque<>();
    private final int prefetch;
    private int nextToSubmit;
    private int nextToHandOut;
    private boolean closed;

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
        if (workerThreads < 1) {
            throw new IllegalArgumentException("the loader needs at least one worker thread, not " + workerThreads);
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
        this.nextToSubmit = startBatch;
        this.nextToHandOut = startBatch;
        this.prefetch = Math.min(4, Math.max(2, workerThreads + 1));
        String prefix = "vil4j-loader-" + LOADERS.incrementAndGet() + "-";
        this.workers = Executors.newFixedThreadPool(workerThreads, daemonThreads(threads, prefix));
        fillPrefetch();
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
        return !closed && nextToHandOut < batches;
    }

    /**
     * The next batch in order, waiting for it if the workers are behind.
     *
     * @throws DatasetException (or the worker's own {@link RuntimeException}) when reading or augmenting it failed
     */
    @Override
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("the batch loader is closed");
        }
        if (nextToHandOut >= batches) {
            throw new NoSuchElementException("epoch " + epoch + " of " + dataset.name() + " has " + batches
                    + " batches");
        }
        Future<Batch> head = pending.removeFirst();
        Batch batch;
        try {
            batch = head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new DatasetException("interrupted while waiting for batch " + nextToHandOut + " of "
                    + dataset.name(), e);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new DatasetException("loading batch " + nextToHandOut + " of " + dataset.name() + " failed: "
                    + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException("the batch loader is closed", e);
        }
        nextToHandOut++;
        fillPrefetch();
        return batch;
    }

    /** Stops the workers and drops prefetched batches; safe to call more than once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pending.forEach(future -> future.cancel(true));
        pending.clear();
        workers.shutdownNow();
    }

    /** For tests: whether every worker thread has ended, waiting up to {@code millis}. */
    boolean awaitWorkersEnded(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    private void fillPrefetch() {
        while (nextToSubmit < batches && pending.size() < prefetch) {
            int batchIndex = nextToSubmit++;
            pending.addLast(workers.submit(() -> assemble(batchIndex)));
        }
        if (nextToSubmit == batches) {
            // nothing more to submit: let the threads end once the queued batches are done, even without close()
            workers.shutdown();
        }
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

    private static ThreadFactory daemonThreads(List<Thread> started, String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            started.add(thread);
            // a consumer that abandons the loader without close() must not keep the JVM alive
            thread.setDaemon(true);
            return thread;
        };
    }
}
