package org.vil4j.api;

/** A configuration or saved model names a plugin that is not on the module path. */
public class PluginNotFoundException extends Vil4jException {
    public PluginNotFoundException(String kind, String name, java.util.Collection<String> known) {
        super("no " + kind + " plugin named '" + name + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
    }
}
