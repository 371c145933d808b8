package org.vil4j.heads;

import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;

import java.util.Map;
import java.util.WeakHashMap;

/** Gathers tokens 0 and S-1 of every image: what both bilateral poolings start from. One index table per Ops. */
final class FirstAndLastTokens {
    private final Map<Ops, Map<Integer, IndexTable>> tables = new WeakHashMap<>();

    /** [B, S, D] to [B, 2, D]. */
    synchronized Tensor gather(Ops ops, Tensor tokens) {
        int s = tokens.shape().dim(1);
        IndexTable table = tables.computeIfAbsent(ops, o -> new java.util.HashMap<>())
                .computeIfAbsent(s, len -> ops.indexTable(2, 1, new int[]{0, len - 1}));
        return ops.gatherTokens(tokens, table);
    }
}
