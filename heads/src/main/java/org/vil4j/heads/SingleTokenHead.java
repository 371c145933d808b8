package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/** Pools one token of every image: [B, S, D] to [B, D]. One index table per Ops and sequence length. */
abstract class SingleTokenHead implements Head {
    private final Map<Ops, Map<Long, IndexTable>> tables = new WeakHashMap<>();

    /** The position of the pooled token among s tokens of which h*w are patches (the rest come first). */
    abstract int token(int s, int patches);

    @Override
    public final boolean pools() {
        return true;
    }

    @Override
    public final int outputDim(int dim) {
        return dim;
    }

    @Override
    public final Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        Shape shape = tokens.shape();
        int s = shape.dim(1);
        int at = token(s, h * w);
        IndexTable table;
        synchronized (tables) {
            table = tables.computeIfAbsent(ops, o -> new HashMap<>())
                    .computeIfAbsent(((long) s << 32) | at, key -> ops.indexTable(1, 1, new int[]{at}));
        }
        return ops.reshape(ops.gatherTokens(tokens, table), Shape.of(shape.dim(0), shape.dim(2)));
    }
}
