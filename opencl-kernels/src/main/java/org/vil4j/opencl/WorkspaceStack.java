package org.vil4j.opencl;

import java.util.Arrays;

/** Stack-ordered workspace allocations above the persistent region of the float arena. */
final class WorkspaceStack {
    private static final int ALIGN = 32; // 128-byte alignment keeps GEMM tile loads coalesced

    private int[] offsets = new int[256];
    private long[] serials = new long[256];
    private int depth;
    private long nextSerial = 1;
    private int base;
    private int top;

    void setBase(int base) {
        if (depth != 0) {
            throw new IllegalStateException("persistent tensors must be allocated while the workspace is empty");
        }
        this.base = align(base);
        this.top = this.base;
    }

    int top() {
        return top;
    }

    boolean isEmpty() {
        return depth == 0;
    }

    /** Reserves n floats and returns the slot; offsetOf(slot) gives where. */
    int push(int n) {
        if (depth == offsets.length) {
            offsets = Arrays.copyOf(offsets, depth * 2);
            serials = Arrays.copyOf(serials, depth * 2);
        }
        offsets[depth] = top;
        serials[depth] = nextSerial++;
        top = align(top + n);
        return depth++;
    }

    /** Top after reserving n more floats (to check capacity before pushing). */
    long topAfter(int n) {
        return (long) top + n + ALIGN;
    }

    int offsetOf(int slot) {
        return offsets[slot];
    }

    long serialOf(int slot) {
        return serials[slot];
    }

    boolean isLive(int slot, long serial) {
        return slot < depth && serials[slot] == serial;
    }

    void release(long mark) {
        if (mark < base || mark > top) {
            throw new IllegalArgumentException("workspace mark " + mark + " is not between " + base + " and " + top);
        }
        while (depth > 0 && offsets[depth - 1] >= mark) {
            depth--;
        }
        top = (int) mark;
    }

    private static int align(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }
}
