package org.vil4j.vil;

import org.vil4j.api.Plugins;

/** {@link Plugins#discover()} once per JVM, for the static layout and initialiser that take no plugins. */
final class DiscoveredPlugins {
    private static volatile Plugins plugins;

    private DiscoveredPlugins() {
    }

    static Plugins get() {
        Plugins p = plugins;
        if (p == null) {
            p = Plugins.discover();
            plugins = p;
        }
        return p;
    }
}
