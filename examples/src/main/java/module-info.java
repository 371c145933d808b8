/** The README's "Use from Java" example: the library's API from an application module. */
module org.vil4j.examples {
    requires org.vil4j.training;
    requires java.desktop;

    exports org.vil4j.examples;
}
