/** An example third-party traversal plugin for vil4j: registered for ServiceLoader, found by name. */
module com.example.vil4j.traversal {
    requires org.vil4j.api;

    exports com.example.vil4j.traversal;

    provides org.vil4j.api.TraversalStrategy with com.example.vil4j.traversal.Checkerboard;
}
