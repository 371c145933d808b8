/**
 * Token traversal orders as plugins: the two reference orders of Vision-LSTM (row-wise and reversed row-wise, whose
 * convolution is the reference's) and the orders of related vision sequence models (columns, snakes, diagonal
 * zig-zag, spiral, Z-order, Hilbert, local windows, a random control), whose convolution runs in the image's own
 * geometry.
 */
module org.vil4j.traversal {
    requires org.vil4j.api;

    exports org.vil4j.traversal;

    provides org.vil4j.api.TraversalStrategy with
            org.vil4j.traversal.RowwiseFromTopLeft,
            org.vil4j.traversal.RowwiseFromBotRight,
            org.vil4j.traversal.ColumnwiseFromTopLeft,
            org.vil4j.traversal.ColumnwiseFromBotRight,
            org.vil4j.traversal.SnakeRows,
            org.vil4j.traversal.SnakeRowsReversed,
            org.vil4j.traversal.SnakeColumns,
            org.vil4j.traversal.SnakeColumnsReversed,
            org.vil4j.traversal.DiagonalZigzag,
            org.vil4j.traversal.SpiralOutsideIn,
            org.vil4j.traversal.ZOrder,
            org.vil4j.traversal.Hilbert,
            org.vil4j.traversal.LocalWindow,
            org.vil4j.traversal.RandomPermutation;
}
