package org.vil4j.vil;

import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.TraversalStrategy;

import java.util.List;

/**
 * Everything a forward needs per token grid, built once and kept on the device: each sub-block's order, inverse
 * order and convolution neighbour table, and the position-embedding resize matrix when the grid is not the one the
 * embedding was made for.
 */
final class GridTables {
    final int h, w;
    final IndexTable[] order, inverse, neighbours;
    final boolean[] identity;
    /** [h*w, embedH*embedW], or null when the embedding is used as is. */
    final Tensor posResize;

    GridTables(Ops ops, VilConfig config, List<TraversalStrategy> traversals, int h, int w) {
        this.h = h;
        this.w = w;
        int n = traversals.size(), s = h * w;
        order = new IndexTable[n];
        inverse = new IndexTable[n];
        neighbours = new IndexTable[n];
        identity = new boolean[n];
        IndexTable causal = config.convKind().equals("causal1d")
                ? ops.indexTable(s, config.convKernelSize(), ConvolutionFrames.causal1d(s, config.convKernelSize()))
                : null;
        for (int i = 0; i < n; i++) {
            TraversalStrategy t = traversals.get(i);
            int[] ord = t.order(h, w);
            identity[i] = isIdentity(ord);
            order[i] = ops.indexTable(s, 1, ord);
            inverse[i] = ops.indexTable(s, 1, t.inverse(h, w));
            int k = config.convKernelSize();
            neighbours[i] = causal != null ? causal : ops.indexTable(s, k * k, t.convolutionNeighbours(h, w, k));
        }
        int eh = config.embedGridH(), ew = config.embedGridW();
        posResize = eh == h && ew == w ? null
                : ops.parameter(Shape.of(s, eh * ew), BicubicResize.matrix(eh, ew, h, w));
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }
}
