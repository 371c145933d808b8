package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** One plugin a line: name, then what it does. */
@Command(name = "plugins", mixinStandardHelpOptions = true, description = "List the plugins found, by kind.")
final class PluginsCommand implements Callable<Integer> {
    @Option(names = "--kind", description = "traversal, mixer, head, backend or backbone (default: all)")
    String kind;

    private final Plugins plugins;

    @Inject
    PluginsCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        if (kind != null && !java.util.List.of("traversal", "mixer", "head", "backend", "backbone").contains(kind)) {
            throw new org.vil4j.api.Vil4jException("--kind must be traversal, mixer, head, backend or backbone, got "
                    + kind);
        }
        print("traversal", plugins.traversals(), t -> t.description());
        print("mixer", plugins.mixers(), m -> m.description());
        print("head", plugins.heads(), h -> h.description());
        print("backend", plugins.backends(), b -> b.description());
        print("backbone", plugins.backbones(), b -> b.description());
        return 0;
    }

    private <T> void print(String k, Map<String, T> map, Function<T, String> description) {
        if (kind != null && !kind.equals(k)) {
            return;
        }
        map.forEach((name, p) -> System.out.printf("%-26s %-10s %s%n", name, k, description.apply(p)));
    }
}
