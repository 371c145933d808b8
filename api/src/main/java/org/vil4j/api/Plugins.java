package org.vil4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The plugins of each kind, keyed by their stable names. Built from {@link ServiceLoader} (module path or
 * META-INF/services) or handed in by a composition root such as the CLI's Guice injector.
 */
public final class Plugins {
    private final Map<String, TraversalStrategy> traversals;
    private final Map<String, SequenceMixer> mixers;
    private final Map<String, Head> heads;
    private final Map<String, Backend> backends;
    private final Map<String, Backbone> backbones;

    /** These plugins, with the backbones {@link ServiceLoader} finds. */
    public Plugins(Map<String, TraversalStrategy> traversals, Map<String, SequenceMixer> mixers,
                   Map<String, Head> heads, Map<String, Backend> backends) {
        this(traversals, mixers, heads, backends, load(Backbone.class, Backbone::name));
    }

    public Plugins(Map<String, TraversalStrategy> traversals, Map<String, SequenceMixer> mixers,
                   Map<String, Head> heads, Map<String, Backend> backends, Map<String, Backbone> backbones) {
        this.backbones = Collections.unmodifiableMap(new LinkedHashMap<>(backbones));
        this.traversals = Collections.unmodifiableMap(new LinkedHashMap<>(traversals));
        this.mixers = Collections.unmodifiableMap(new LinkedHashMap<>(mixers));
        this.heads = Collections.unmodifiableMap(new LinkedHashMap<>(heads));
        this.backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
    }

    /** Every plugin visible to this module's layer (or the class path). */
    public static Plugins discover() {
        return new Plugins(load(TraversalStrategy.class, TraversalStrategy::name),
                load(SequenceMixer.class, SequenceMixer::name),
                load(Head.class, Head::name),
                load(Backend.class, Backend::name));
    }

    /** Loads one plugin kind; two plugins claiming one name is a configuration error. */
    public static <T> Map<String, T> load(Class<T> type, Function<T, String> name) {
        Map<String, T> byName = new LinkedHashMap<>();
        for (T plugin : ServiceLoader.load(type, Plugins.class.getClassLoader())) {
            T previous = byName.putIfAbsent(name.apply(plugin), plugin);
            if (previous != null && previous.getClass() != plugin.getClass()) {
                throw new Vil4jException("two " + type.getSimpleName() + " plugins are named '" + name.apply(plugin)
                        + "': " + previous.getClass().getName() + " and " + plugin.getClass().getName());
            }
        }
        return byName;
    }

    /**
     * The traversal registered under {@code name}, or else the member of a registered traversal's family that answers
     * it ({@link TraversalStrategy#variant(String)}, e.g. {@code local_window_k3}).
     */
    public TraversalStrategy traversal(String name) {
        TraversalStrategy registered = traversals.get(name);
        if (registered != null) {
            return registered;
        }
        for (TraversalStrategy t : traversals.values()) {
            java.util.Optional<TraversalStrategy> variant = t.variant(name);
            if (variant.isPresent()) {
                return variant.get();
            }
        }
        throw new PluginNotFoundException("traversal", name, traversals.keySet());
    }

    public SequenceMixer mixer(String name) {
        return find("mixer", mixers, name);
    }

    public Head head(String name) {
        return find("head", heads, name);
    }

    public Backend backend(String name) {
        return find("backend", backends, name);
    }

    public Backbone backbone(String name) {
        return find("backbone", backbones, name);
    }

    /** The backbone that builds the reference class (a golden case's ctor), if one is registered. */
    public java.util.Optional<Backbone> backboneFor(String referenceClass) {
        return backbones.values().stream().filter(b -> b.builds(referenceClass)).findFirst();
    }

    public Map<String, Backbone> backbones() {
        return backbones;
    }

    public Map<String, TraversalStrategy> traversals() {
        return traversals;
    }

    public Map<String, SequenceMixer> mixers() {
        return mixers;
    }

    public Map<String, Head> heads() {
        return heads;
    }

    public Map<String, Backend> backends() {
        return backends;
    }

    private static <T> T find(String kind, Map<String, T> plugins, String name) {
        T plugin = plugins.get(name);
        if (plugin == null) {
            throw new PluginNotFoundException(kind, name, plugins.keySet());
        }
        return plugin;
    }
}
