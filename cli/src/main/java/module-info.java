/**
 * The {@code vil} command line and the composition root: Guice binds every plugin found on the module path by its
 * stable name, picocli parses commands. The only module that knows Guice.
 */
module org.vil4j.cli {
    requires org.vil4j.api;
    requires org.vil4j.formats;
    requires org.vil4j.vil;
    requires org.vil4j.training;
    requires org.vil4j.segmentation;
    requires org.vil4j.conformance;
    requires com.google.guice;
    requires info.picocli;
    requires jakarta.inject;
    requires java.desktop;

    opens org.vil4j.cli to info.picocli, com.google.guice;
}
