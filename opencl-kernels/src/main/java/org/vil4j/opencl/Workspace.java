package org.vil4j.opencl;

import java.util.Arrays;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The workspace above the persistent region of the float arena: blocks that can be freed in any order.
 *
 * <p>Every allocation gets a block (a slot of this table) and a serial number that grows with every allocation; a
 * mark is the serial the next allocation will get, so {@code release(mark)} frees exactly the blocks made after it,
 * whatever their offsets. Freed ranges become gaps, merged with free neighbours; an allocation takes the smallest gap
 * it fits (the lowest of equal ones), else it goes on top. Freeing the highest block lowers the top, so the top (and
 * with it the arena size and the peak) stays what the live blocks need plus their fragmentation.
 */
final class Workspace {
    private static final int ALIGN = 32; // 128-byte alignment keeps GEMM tile loads coalesced

    // the block table: slot -> offset, size (aligned floats) and serial (0 = a free slot)
    private int[] offsets = new int[256];
    private int[] sizes = new int[256];
    private long[] serials = new long[256];
    private int slots;
    private int[] freeSlots = new int[64];
    private int freeSlotCount;
    private int liveBlocks;
    private long liveFloats;

    // live blocks in allocation order (a slot with its serial; entries whose block was freed are skipped and purged)
    private int[] orderSlots = new int[256];
    private long[] orderSerials = new long[256];
    private int orderLength;

    // gaps below the top: offset -> size, and (size << 32 | offset) for the best fit
    private final TreeMap<Integer, Integer> gapsByOffset = new TreeMap<>();
    private final TreeSet<Long> gapsBySize = new TreeSet<>();

    private long nextSerial = 1;
    private int base;
    private int top;

    void setBase(int base) {
        if (liveBlocks != 0) {
            throw new IllegalStateException("persistent tensors must be allocated while the workspace is empty");
        }
        this.base = align(base);
        this.top = this.base;
        gapsByOffset.clear();
        gapsBySize.clear();
    }

    /** The end of the highest live block (the base when none is live). */
    int top() {
        return top;
    }

    /** The floats the live blocks take (aligned sizes, gaps not counted). */
    long liveFloats() {
        return liveFloats;
    }

    boolean isEmpty() {
        return liveBlocks == 0;
    }

    /** The serial of the next allocation: every block made from now on has a serial at least this. */
    long mark() {
        return nextSerial;
    }

    /** The offset of the first float past the block {@code n} floats would take now. */
    long endAfter(int n) {
        int size = blockSize(n);
        Long fit = gapsBySize.ceiling((long) size << 32);
        return fit != null ? (int) (long) fit + (long) size : (long) top + size;
    }

    /** Top after reserving n more floats on top (an upper bound, as the stack gave it). */
    long topAfter(int n) {
        return (long) top + n + ALIGN;
    }

    /** Reserves n floats and returns the slot; offsetOf(slot) gives where. */
    int push(int n) {
        int size = blockSize(n);
        int offset;
        Long fit = gapsBySize.ceiling((long) size << 32);
        if (fit != null) {
            offset = (int) (long) fit;
            int gap = (int) (fit >>> 32);
            removeGap(offset, gap);
            if (gap > size) {
                addGap(offset + size, gap - size);
            }
        } else {
            offset = top;
            top += size;
        }
        int slot;
        if (freeSlotCount > 0) {
            slot = freeSlots[--freeSlotCount];
        } else {
            if (slots == offsets.length) {
                offsets = Arrays.copyOf(offsets, slots * 2);
                sizes = Arrays.copyOf(sizes, slots * 2);
                serials = Arrays.copyOf(serials, slots * 2);
            }
            slot = slots++;
        }
        long serial = nextSerial++;
        offsets[slot] = offset;
        sizes[slot] = size;
        serials[slot] = serial;
        liveBlocks++;
        liveFloats += size;
        if (orderLength == orderSlots.length) {
            compactOrder();
            if (orderLength * 2 > orderSlots.length) {
                orderSlots = Arrays.copyOf(orderSlots, orderSlots.length * 2);
                orderSerials = Arrays.copyOf(orderSerials, orderSerials.length * 2);
            }
        }
        orderSlots[orderLength] = slot;
        orderSerials[orderLength++] = serial;
        return slot;
    }

    int offsetOf(int slot) {
        return offsets[slot];
    }

    /** The block's size in floats (its request rounded up to the alignment). */
    int sizeOf(int slot) {
        return sizes[slot];
    }

    long serialOf(int slot) {
        return serials[slot];
    }

    boolean isLive(int slot, long serial) {
        return slot >= 0 && slot < slots && serials[slot] == serial;
    }

    /** Frees one block; its slot may be reused (with another serial). */
    void free(int slot, long serial) {
        if (!isLive(slot, serial)) {
            throw new IllegalStateException("workspace block " + slot + " (serial " + serial + ") is not live");
        }
        int offset = offsets[slot];
        int size = sizes[slot];
        serials[slot] = 0;
        liveBlocks--;
        liveFloats -= size;
        if (freeSlotCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeSlotCount * 2);
        }
        freeSlots[freeSlotCount++] = slot;
        // merge with the free neighbours
        var below = gapsByOffset.floorEntry(offset);
        if (below != null && below.getKey() + below.getValue() == offset) {
            removeGap(below.getKey(), below.getValue());
            offset = below.getKey();
            size += below.getValue();
        }
        Integer above = gapsByOffset.get(offset + size);
        if (above != null) {
            removeGap(offset + size, above);
            size += above;
        }
        if (offset + size == top) {
            top = offset; // no gap ever touches the top
        } else {
            addGap(offset, size);
        }
        if (liveBlocks == 0) {
            orderLength = 0;
        }
    }

    /** Frees every block made after {@code mark}. */
    void release(long mark) {
        releaseExcept(mark, null);
    }

    /**
     * Frees every block made after {@code mark} except the slots in {@code keep} (each given with its serial, in
     * {@code keepSerials}); the kept ones stay where they are.
     */
    void releaseExcept(long mark, long[] keepSerials) {
        if (mark < 1 || mark > nextSerial) {
            throw new IllegalArgumentException("workspace mark " + mark + " is not between 1 and " + nextSerial);
        }
        int start = orderLength;
        while (start > 0 && orderSerials[start - 1] >= mark) {
            start--;
        }
        int kept = start;
        // free from the highest serial down: the newest blocks are usually the highest, so the top falls at once
        for (int i = orderLength - 1; i >= start; i--) {
            int slot = orderSlots[i];
            long serial = orderSerials[i];
            if (serials[slot] != serial) {
                continue;
            }
            if (keepSerials != null && contains(keepSerials, serial)) {
                continue;
            }
            free(slot, serial);
        }
        for (int i = start; i < orderLength; i++) {
            if (serials[orderSlots[i]] == orderSerials[i]) {
                orderSlots[kept] = orderSlots[i];
                orderSerials[kept++] = orderSerials[i];
            }
        }
        orderLength = liveBlocks == 0 ? 0 : kept;
    }

    private static boolean contains(long[] values, long value) {
        for (long v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    /** Drops the order entries of freed blocks. */
    private void compactOrder() {
        int n = 0;
        for (int i = 0; i < orderLength; i++) {
            if (serials[orderSlots[i]] == orderSerials[i]) {
                orderSlots[n] = orderSlots[i];
                orderSerials[n++] = orderSerials[i];
            }
        }
        orderLength = n;
    }

    private void addGap(int offset, int size) {
        gapsByOffset.put(offset, size);
        gapsBySize.add((long) size << 32 | offset);
    }

    private void removeGap(int offset, int size) {
        gapsByOffset.remove(offset);
        gapsBySize.remove((long) size << 32 | offset);
    }

    /** The floats a block of n floats takes: aligned, and never empty (every block has an offset of its own). */
    static int blockSize(int n) {
        return Math.max(ALIGN, align(n));
    }

    private static int align(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }
}
