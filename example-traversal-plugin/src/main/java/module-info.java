/**
 * Example third-party plugins for vil4j, each one class plus its registration (here and in META-INF/services): a
 * traversal, a sequence mixer with weights and a head with a weight, found by name.
 */
module com.example.vil4j.traversal {
    requires org.vil4j.api;

    exports com.example.vil4j.traversal;
    exports com.example.vil4j.mixer;
    exports com.example.vil4j.head;

    provides org.vil4j.api.TraversalStrategy with com.example.vil4j.traversal.Checkerboard;
    provides org.vil4j.api.SequenceMixer with com.example.vil4j.mixer.GlobalContextMixer;
    provides org.vil4j.api.Head with com.example.vil4j.head.GatedMeanHead;
}
