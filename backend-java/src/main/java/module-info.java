/**
 * The plain-Java backend ("java"): the oracle the OpenCL kernels are tested against and the path for machines
 * without OpenCL. Reached only through {@link org.vil4j.api.Backend}, so its package stays unexported.
 */
module org.vil4j.backend.java {
    requires org.vil4j.api;
    // optional: the vector API speeds up the dense loops when the JVM runs with --add-modules jdk.incubator.vector
    requires static jdk.incubator.vector;

    provides org.vil4j.api.Backend with org.vil4j.backend.java.JavaBackend;
}
