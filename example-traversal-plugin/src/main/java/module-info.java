/**
 * Example third-party plugins for vil4j, each one class plus its registration (here and in META-INF/services): a
 * traversal and a sequence mixer with weights, found by name.
 */
module com.example.vil4j.traversal {
    requires org.vil4j.api;

    exports com.example.vil4j.traversal;
    exports com.example.vil4j.mixer;

    provides org.vil4j.api.TraversalStrategy with com.example.vil4j.traversal.Checkerboard;
    provides org.vil4j.api.SequenceMixer with com.example.vil4j.mixer.GlobalContextMixer;
}
