package org.vil4j.training.data;

import java.util.ArrayDeque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Items {@code first .. end - 1}, each made by {@code make} on background threads a few ahead of the consumer and
 * handed out in order, so that making the next ones overlaps the consumer's work on this one. The items must be pure
 * functions of their index: the worker count then changes nothing but speed. One consumer thread calls
 * {@link #next}; not meant to be shared. Classification's {@link BatchLoader} and segmentation's batches use it.
 *
 * @param <T> what is made
 */
public final class OrderedPrefetch<T> implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final IntFunction<T> make;
    private final int end;
    private final String what;
    private final ExecutorService workers;
    /** Every thread the pool started, so tests can see that closing ends them. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    /** Items submitted and not yet handed out, oldest first; at most {@link #depth}. */
    private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();
    private final int depth;
    private int nextToSubmit;
    private int nextToHandOut;
    private boolean closed;

    /**
     * @param workerThreads background threads (at least 1); items made ahead: one more, between 2 and 4
     * @param what          an item for messages, its index as {@code %d} ("batch %d of fashion-mnist/train")
     * @param make          makes item i; a {@link RuntimeException} it throws is rethrown by {@link #next}
     */
    public OrderedPrefetch(int first, int end, int workerThreads, String what, IntFunction<T> make) {
        if (workerThreads < 1) {
            throw new IllegalArgumentException("the loader needs at least one worker thread, not " + workerThreads);
        }
        if (first < 0 || first > end) {
            throw new IllegalArgumentException("items " + first + " to " + end + ": " + what);
        }
        this.make = make;
        this.end = end;
        this.what = what;
        this.nextToSubmit = first;
        this.nextToHandOut = first;
        this.depth = Math.min(4, Math.max(2, workerThreads + 1));
        this.workers = Executors.newFixedThreadPool(workerThreads, daemonThreads(threads,
                "vil4j-loader-" + POOLS.incrementAndGet() + "-"));
        fill();
    }

    public boolean hasNext() {
        return !closed && nextToHandOut < end;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The index the next {@link #next} hands out. */
    public int nextIndex() {
        return nextToHandOut;
    }

    /**
     * The next item in order, waiting for it if the workers are behind.
     *
     * @throws DatasetException (or the worker's own {@link RuntimeException}) when making it failed
     */
    public T next() {
        if (closed) {
            throw new IllegalStateException("the loader is closed");
        }
        if (nextToHandOut >= end) {
            throw new NoSuchElementException("no " + item(nextToHandOut) + " (" + end + " in all)");
        }
        Future<T> head = pending.removeFirst();
        T item;
        try {
            item = head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new DatasetException("interrupted while waiting for " + item(nextToHandOut), e);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new DatasetException("loading " + item(nextToHandOut) + " failed: " + e.getCause(),
                    e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException("the loader is closed", e);
        }
        nextToHandOut++;
        fill();
        return item;
    }

    /** Stops the workers and drops what was made ahead; safe to call more than once. */
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

    private void fill() {
        while (nextToSubmit < end && pending.size() < depth) {
            int index = nextToSubmit++;
            pending.addLast(workers.submit(() -> make.apply(index)));
        }
        if (nextToSubmit == end) {
            // nothing more to submit: let the threads end once the queued items are done, even without close()
            workers.shutdown();
        }
    }

    /** {@code what} for item i (a replacement, not a format: a dataset's name may hold a '%'). */
    private String item(int index) {
        return what.replace("%d", Integer.toString(index));
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
