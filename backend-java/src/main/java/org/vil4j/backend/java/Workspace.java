package org.vil4j.backend.java;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stack of non-persistent allocations. Released arrays go to a free list by length and are handed out again,
 * so a repeated forward pass allocates nothing new, like a device workspace. An allocation can also be freed on its
 * own ({@link #free}): it stays in the list as a freed entry, so positions (and marks) keep their meaning, and
 * {@link #release} drops it with the rest. Reused arrays are not cleared: every kernel writes all of its output. Live
 * plus pooled floats never exceed the most ever live at once, so changing shapes (another batch size) cannot grow
 * the pool without bound.
 */
final class Workspace {
    private final List<Storage> live = new ArrayList<>();
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long liveFloats;
    private long pooledFloats;
    private long peakFloats;

    Storage allocate(int size) {
        ArrayDeque<float[]> sameSize = free.get(size);
        float[] data;
        if (sameSize != null && !sameSize.isEmpty()) {
            data = sameSize.pop();
            pooledFloats -= size;
        } else {
            if (liveFloats + pooledFloats + size > peakFloats) {
                // the pooled sizes do not fit this pass: let them go rather than hold both
                free.clear();
                pooledFloats = 0;
            }
            data = new float[size];
        }
        liveFloats += size;
        peakFloats = Math.max(peakFloats, liveFloats);
        Storage storage = new Storage(data, false);
        storage.index = live.size();
        live.add(storage);
        return storage;
    }

    /** Floats of the live (not released) allocations. */
    long liveFloats() {
        return liveFloats;
    }

    long mark() {
        return live.size();
    }

    void release(long mark) {
        requireMark(mark);
        for (int i = live.size() - 1; i >= mark; i--) {
            Storage s = live.remove(i);
            if (!s.released()) {
                free(s, mark);
            }
        }
    }

    /** Frees one live workspace allocation now; its entry stays (freed) until a release passes it. */
    void free(Storage storage) {
        if (storage.persistent || storage.released() || live.get(storage.index) != storage) {
            throw new IllegalStateException("not a live workspace allocation");
        }
        pool(storage);
        storage.free();
    }

    /** Frees every allocation after {@code mark} but {@code survivors}, which stay where they are. */
    void releaseExcept(long mark, java.util.Set<Storage> survivors) {
        requireMark(mark);
        for (int i = (int) mark; i < live.size(); i++) {
            Storage s = live.get(i);
            if (!s.released() && !survivors.contains(s)) {
                pool(s);
                s.free();
            }
        }
    }

    /**
     * Releases everything after {@code mark} and returns a new allocation, right after the mark, holding
     * {@code kept}'s values. When {@code kept} is itself among the released, its array moves over uncopied.
     */
    Storage keep(long mark, Storage kept) {
        requireMark(mark);
        int index = live.lastIndexOf(kept);
        if (index < mark) {
            // kept is persistent or older than the mark, so it survives the release: the result is a copy
            release(mark);
            Storage copy = allocate(kept.data.length);
            System.arraycopy(kept.data, 0, copy.data, 0, kept.data.length);
            return copy;
        }
        live.remove(index);
        release(mark);
        kept.release(mark);
        Storage moved = new Storage(kept.data, false);
        moved.index = live.size();
        live.add(moved);
        return moved;
    }

    /** Forgets everything (on close), so the arrays can be collected. */
    void clear() {
        release(0);
        free.clear();
        pooledFloats = 0;
    }

    private void free(Storage storage, long mark) {
        storage.release(mark);
        pool(storage);
    }

    private void pool(Storage storage) {
        int size = storage.data.length;
        liveFloats -= size;
        pooledFloats += size;
        free.computeIfAbsent(size, n -> new ArrayDeque<>()).push(storage.data);
    }

    private void requireMark(long mark) {
        if (mark < 0 || mark > live.size()) {
            throw new IllegalArgumentException("workspace mark " + mark + " is not a live position (now "
                    + live.size() + "); marks must be released in stack order");
        }
    }
}
