/**
 * vil4j's public API: shapes, tensors as handles, the op set a backend implements ({@link org.vil4j.api.Ops}) and
 * the plugin SPIs (traversals, sequence mixers, heads, backends). Depends on nothing but the JDK.
 */
module org.vil4j.api {
    exports org.vil4j.api;
    exports org.vil4j.api.autodiff;

    uses org.vil4j.api.TraversalStrategy;
    uses org.vil4j.api.SequenceMixer;
    uses org.vil4j.api.Head;
    uses org.vil4j.api.Backend;
    uses org.vil4j.api.Backbone;
}
