package org.vil4j.backend.java;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stack of non-persistent allocations. Released arrays go to a free list by length and are handed out again,
 * so a repeated forward pass allocates nothing new, like a device workspace. Reused arrays are not cleared: every
 * kernel writes all of its output. Live plus pooled floats never exceed the most ever live at once, so changing
 * shapes (another batch size) cannot grow the pool without bound.
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
            free(live.remove(i), mark);
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
