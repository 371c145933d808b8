/**
 * The plain-Java backend ("java"): the oracle the OpenCL kernels are tested against and the path for machines
 * without OpenCL. Reached only through {@link org.vil4j.api.Backend}, so its package stays unexported.
 */
module org.vil4j.backend.java {
    requires org.vil4j.api;

    provides org.vil4j.api.Backend with org.vil4j.backend.java.JavaBackend;
}
