package org.vil4j.api;

import java.util.Arrays;

/** Host-side helpers for index tables: the inverse tables that backward passes of gathers read. */
public final class IndexTables {
    private IndexTables() {
    }

    /** A host table of {@code rows x cols} entries, -1 for none. */
    public record Table(int rows, int cols, int[] data) {
    }

    /**
     * For a table {@code [R, K]} whose entries are positions in {@code [0, tokens)}: row j of the inverse lists
     * every flat index {@code i * K + e} with {@code table[i, e] == j}, padded with -1 to the largest count (at least
     * one column). Gradients flow back through it as sums without atomics: each output row reads its sources.
     */
    public static Table inverse(int[] table, int rows, int cols, int tokens) {
        if ((long) rows * cols != table.length) {
            throw new IllegalArgumentException(table.length + " entries for a " + rows + "x" + cols + " table");
        }
        int[] counts = new int[tokens];
        for (int entry : table) {
            if (entry >= tokens) {
                throw new IllegalArgumentException("entry " + entry + " is past " + tokens + " tokens");
            }
            if (entry >= 0) {
                counts[entry]++;
            }
        }
        int width = 1;
        for (int c : counts) {
            width = Math.max(width, c);
        }
        int[] inverse = new int[tokens * width];
        Arrays.fill(inverse, -1);
        int[] filled = new int[tokens];
        for (int flat = 0; flat < table.length; flat++) {
            int j = table[flat];
            if (j >= 0) {
                inverse[j * width + filled[j]++] = flat;
            }
        }
        return new Table(tokens, width, inverse);
    }
}
