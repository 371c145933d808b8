package org.vil4j.cli;

import com.google.inject.Injector;
import picocli.CommandLine;

/** Lets picocli create commands through Guice, so commands receive {@code Plugins} by injection. */
final class GuiceFactory implements CommandLine.IFactory {
    private final Injector injector;

    GuiceFactory(Injector injector) {
        this.injector = injector;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        try {
            return injector.getInstance(type);
        } catch (com.google.inject.ConfigurationException e) {
            return CommandLine.defaultFactory().create(type);
        }
    }
}
