package org.vil4j.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import org.vil4j.api.Backbone;
import org.vil4j.api.Backend;
import org.vil4j.api.Head;
import org.vil4j.api.Plugins;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.TraversalStrategy;

import java.util.Map;
import java.util.function.Function;

/** Binds every plugin ServiceLoader finds into a {@code MapBinder<String, Kind>} keyed by its stable name. */
final class PluginModule extends AbstractModule {
    @Override
    protected void configure() {
        bindAll(TraversalStrategy.class, TraversalStrategy::name);
        bindAll(SequenceMixer.class, SequenceMixer::name);
        bindAll(Head.class, Head::name);
        bindAll(Backend.class, Backend::name);
        bindAll(Backbone.class, Backbone::name);
    }

    private <T> void bindAll(Class<T> kind, Function<T, String> name) {
        MapBinder<String, T> binder = MapBinder.newMapBinder(binder(), String.class, kind);
        Plugins.load(kind, name).forEach((key, plugin) -> binder.addBinding(key).toInstance(plugin));
    }

    @Provides
    @Singleton
    Plugins plugins(Map<String, TraversalStrategy> traversals, Map<String, SequenceMixer> mixers,
                    Map<String, Head> heads, Map<String, Backend> backends, Map<String, Backbone> backbones) {
        return new Plugins(traversals, mixers, heads, backends, backbones);
    }
}
