package org.vil4j.backend.java;

import org.vil4j.api.IndexTable;

/** A persistent int table; it remembers its largest entry so ops can bound-check it without a scan. */
final class JavaIndexTable implements IndexTable {
    private final int rows;
    private final int cols;
    final int[] data;
    /** Largest entry, or -1 when every entry is "none". */
    final int maxEntry;
    final JavaOps owner;

    JavaIndexTable(int rows, int cols, int[] data, int maxEntry, JavaOps owner) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.maxEntry = maxEntry;
        this.owner = owner;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public String toString() {
        return "JavaIndexTable[" + rows + "x" + cols + "]";
    }
}
