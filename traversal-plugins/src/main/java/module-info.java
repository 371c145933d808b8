/** Token traversal orders as plugins: the two reference orders of Vision-LSTM. */
module org.vil4j.traversal {
    requires org.vil4j.api;

    exports org.vil4j.traversal;

    provides org.vil4j.api.TraversalStrategy with
            org.vil4j.traversal.RowwiseFromTopLeft,
            org.vil4j.traversal.RowwiseFromBotRight;
}
