package org.vil4j.cli;

import java.nio.file.Path;

/** Where things are when the user does not say. */
final class Defaults {
    private Defaults() {
    }

    /** $VIL4J_GOLDEN, -Dvil4j.golden, or ../shared/conformance/golden beside the checkout. */
    static Path goldenDirectory() {
        String env = System.getenv("VIL4J_GOLDEN");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String prop = System.getProperty("vil4j.golden");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        return Path.of("..", "shared", "conformance", "golden");
    }
}
