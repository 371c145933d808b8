package org.vil4j.api.autodiff;

import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backward's early frees ({@link GradientTape}'s class comment, (a)-(c)): gradient references counted per
 * allocation made since the backward began (allocations made before it are never freed here), the targets the node
 * running now gave a gradient, and the allocations whose count fell to 0, freed once the node is done.
 */
final class BackwardFrees {
    /** An allocation made during the backward, with the gradients that use it. */
    private static final class Allocation {
        int references;
        final List<Tensor> handles = new ArrayList<>(2);
    }

    private final Ops base;
    private final Map<Long, Allocation> allocations = new HashMap<>();
    private final Map<Tensor, Long> allocationKeys = new IdentityHashMap<>();
    private final List<Tensor> touched = new ArrayList<>();
    private final List<Long> unreferenced = new ArrayList<>();
    private long backwardStart = Long.MAX_VALUE;
    private long unfreed;

    BackwardFrees(Ops base) {
        this.base = base;
    }

    /** A backward begins: allocations from {@code mark} on are counted (Long.MAX_VALUE: none, nothing is freed). */
    void begin(long mark) {
        backwardStart = mark;
        unfreed = 0;
    }

    /** The backward ended (or failed): nothing is counted until the next {@link #begin}. */
    void end() {
        backwardStart = Long.MAX_VALUE;
        allocations.clear();
        allocationKeys.clear();
        touched.clear();
        unreferenced.clear();
    }

    /** Allocations the last backward found dead but could not free (only column views of them were at hand). */
    long unfreed() {
        return unfreed;
    }

    /** Target's gradient became {@code sum}, replacing {@code old} (or null), during a node's backward. */
    void gradientSet(Tensor target, Tensor sum, Tensor old) {
        if (backwardStart == Long.MAX_VALUE) {
            return;
        }
        touched.add(target);
        reference(sum);
        if (old != null) {
            unreference(old);
        }
    }

    /** Counts {@code grad} as a user of its allocation, if the allocation was made during the backward. */
    private void reference(Tensor grad) {
        long key = allocationKeys.computeIfAbsent(grad, base::allocationOf);
        if (key < backwardStart) {
            return;
        }
        Allocation a = allocations.computeIfAbsent(key, k -> new Allocation());
        a.references++;
        if (!a.handles.contains(grad)) {
            a.handles.add(grad);
        }
    }

    private void unreference(Tensor grad) {
        Long key = allocationKeys.get(grad);
        if (key == null || key < backwardStart) {
            return;
        }
        Allocation a = allocations.get(key);
        if (--a.references == 0) {
            unreferenced.add(key);
        }
    }

    /**
     * After a node's backward (begun at {@code mark}, sent {@code dy}; {@code grads} the gradients so far): frees its
     * temporaries, its dy and the summed gradients that nothing references any more.
     */
    void afterNode(long mark, Tensor dy, Map<Tensor, Tensor> grads) {
        List<Tensor> survivors = new ArrayList<>(touched.size());
        for (Tensor target : touched) {
            Tensor g = grads.get(target);
            if (g != null) {
                survivors.add(g);
            }
        }
        touched.clear();
        base.releaseExcept(mark, survivors);
        unreference(dy);
        for (Long key : unreferenced) {
            Allocation a = allocations.get(key);
            if (a == null || a.references != 0) {
                continue; // freed already, or referenced again by this node
            }
            allocations.remove(key);
            for (Tensor h : a.handles) {
                allocationKeys.remove(h);
            }
            if (key >= mark) {
                continue; // made by this node and dead again: releaseExcept freed it
            }
            boolean freed = false;
            for (Tensor h : a.handles) {
                if (base.free(h)) {
                    freed = true;
                    break;
                }
            }
            if (!freed) {
                unfreed++;
            }
        }
        unreferenced.clear();
    }
}
