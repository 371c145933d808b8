package org.vil4j.training.model;

import org.vil4j.api.Backbone;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.PluginNotFoundException;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.training.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backbone plugin's model as saved files record it, the way Lucene records a codec: the plugin's stable name
 * (metadata {@code backbone}), looked up through {@link Plugins} when the file is read; the spec it was built from
 * (metadata {@code spec}: the reference constructor's class and arguments); and the other plugins that spec uses
 * (metadata {@code plugins}, {@link Backbone#pluginNames}), each checked on load. Nothing here knows a particular
 * backbone, so a third party's plugin is saved and loaded like the shipped ones.
 *
 * @param plugins the other plugins by kind (a name or a list of names), as the backbone names them
 */
public record PluginModelSpec(String backbone, ModelSpec spec, Map<String, Object> plugins) {
    public static final String BACKBONE_KEY = "backbone";
    public static final String SPEC_KEY = "spec";
    public static final String PLUGINS_KEY = "plugins";

    public PluginModelSpec {
        if (backbone == null || backbone.isEmpty()) {
            throw new IllegalArgumentException("a plugin model needs its backbone's name");
        }
        plugins = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(plugins));
    }

    /** What files record of {@code spec} built by {@code backbone}. */
    public static PluginModelSpec of(Backbone backbone, ModelSpec spec) {
        return new PluginModelSpec(backbone.name(), spec, backbone.pluginNames(spec));
    }

    /** The metadata entries of a saved file: the backbone's name, the spec and the other plugins. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(BACKBONE_KEY, backbone);
        m.put(SPEC_KEY, specJson());
        m.put(PLUGINS_KEY, Json.write(plugins));
        return m;
    }

    /** {@code {"class": ..., "kwargs": {...}}}. */
    private String specJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class", spec.referenceClass());
        m.put("kwargs", spec.kwargs());
        return Json.write(m);
    }

    /**
     * {@code {"backbone": ..., "class": ..., "kwargs": {...}}}: how config.json and error messages show the model.
     * Two specs with the same text build the same model (numbers are compared as written, 7 and 7L alike).
     */
    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backbone", backbone);
        m.put("class", spec.referenceClass());
        m.put("kwargs", spec.kwargs());
        return Json.write(m);
    }

    /** Whether {@code other} records the same model (backbone and spec; the plugin names follow from them). */
    public boolean sameModel(PluginModelSpec other) {
        return other != null && json().equals(other.json());
    }

    /**
     * The plugin model a file's metadata records, or null when it records none (a ViL's file, or one without our
     * metadata).
     *
     * @param source names the file in errors
     */
    public static PluginModelSpec read(Map<String, String> meta, String source) {
        String name = meta.get(BACKBONE_KEY);
        if (name == null) {
            return null;
        }
        if (name.isEmpty()) {
            throw new Vil4jException(source + ": metadata backbone is empty (expected a backbone plugin's name)");
        }
        if (meta.containsKey("config")) {
            throw new Vil4jException(source + ": records both a ViL config and backbone plugin '" + name
                    + "'; the file is corrupt");
        }
        String specText = meta.get(SPEC_KEY);
        if (specText == null) {
            throw new Vil4jException(source + ": saved by backbone plugin '" + name + "' without metadata spec "
                    + "(the model's configuration)");
        }
        Map<?, ?> specJson = object(specText, SPEC_KEY, source);
        if (!(specJson.get("class") instanceof String referenceClass) || referenceClass.isEmpty()) {
            throw new Vil4jException(source + ": metadata spec has no \"class\" (the reference class) string");
        }
        if (!(specJson.get("kwargs") instanceof Map<?, ?> kwargs)) {
            throw new Vil4jException(source + ": metadata spec has no \"kwargs\" object");
        }
        Map<String, Object> args = new LinkedHashMap<>();
        kwargs.forEach((k, v) -> args.put(k.toString(), plain(v)));
        Map<String, Object> plugins = new LinkedHashMap<>();
        if (meta.containsKey(PLUGINS_KEY)) {
            object(meta.get(PLUGINS_KEY), PLUGINS_KEY, source).forEach((kind, names) -> {
                if (!(names instanceof String) && !(names instanceof List<?> l && l.stream()
                        .allMatch(n -> n instanceof String))) {
                    throw new Vil4jException(source + ": metadata plugins: " + kind + " must be a name or a list "
                            + "of names, got " + names);
                }
                plugins.put(kind.toString(), names);
            });
        }
        return new PluginModelSpec(name, new ModelSpec(referenceClass, args), plugins);
    }

    /**
     * The backbone plugin this file was saved by, found by its recorded name, after checking that every other
     * plugin the file records is there too.
     *
     * @throws Vil4jException naming the file and the missing plugin
     */
    public Backbone lookUp(Plugins registry, String source) {
        Backbone found = registry.backbones().get(backbone);
        if (found == null) {
            throw missing(source, "backbone plugin", backbone);
        }
        for (var e : plugins.entrySet()) {
            List<?> names = e.getValue() instanceof List<?> l ? l : List.of(e.getValue());
            for (Object n : names) {
                String name = n.toString();
                try {
                    switch (e.getKey()) {
                        case "traversal" -> registry.traversal(name);
                        case "mixer" -> registry.mixer(name);
                        case "head" -> registry.head(name);
                        default -> { } // a kind this version does not know: the backbone itself will ask for it
                    }
                } catch (PluginNotFoundException notFound) {
                    throw missing(source, e.getKey() + " plugin", name);
                }
            }
        }
        return found;
    }

    private static Vil4jException missing(String source, String what, String name) {
        return new Vil4jException(source + " was saved by " + what + " '" + name + "', which is not on the class "
                + "path; bin/vil plugins lists those found");
    }

    /** The weights {@code found} declares for this spec, by name in state_dict order. */
    public Map<String, Shape> declaredShapes(Backbone found, Plugins registry, String source) {
        try {
            return found.parameterShapes(spec, registry);
        } catch (Vil4jException e) {
            throw new Vil4jException(source + ": backbone plugin '" + backbone + "' refuses the recorded spec "
                    + specJson() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Holds the file's tensors against the shapes the plugin declares: the first missing, unexpected or mis-shaped
     * one is a one-line error naming it (with how many more there are).
     */
    public void requireDeclaredShapes(Map<String, Shape> found, Map<String, Shape> declared, String source) {
        List<String> problems = new java.util.ArrayList<>();
        declared.forEach((name, shape) -> {
            Shape have = found.get(name);
            if (have == null) {
                problems.add("tensor " + name + " " + shape + " is missing");
            } else if (!have.equals(shape)) {
                problems.add("tensor " + name + " is " + have + ", but backbone plugin '" + backbone + "' declares "
                        + shape + " for the recorded spec");
            }
        });
        found.keySet().stream().filter(name -> !declared.containsKey(name)).forEach(name -> problems.add(
                "tensor " + name + " is not a weight of backbone plugin '" + backbone + "' under the recorded spec"));
        if (!problems.isEmpty()) {
            throw new Vil4jException(source + ": " + problems.get(0) + (problems.size() == 1 ? ""
                    : " (and " + (problems.size() - 1) + " more problem" + (problems.size() == 2 ? "" : "s") + ")"));
        }
    }

    private static Map<?, ?> object(String json, String key, String source) {
        Object parsed;
        try {
            parsed = StrictJsonParser.parse(json);
        } catch (JsonSyntaxException e) {
            throw new Vil4jException(source + ": metadata " + key + " is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new Vil4jException(source + ": metadata " + key + " is not a JSON object");
        }
        return m;
    }

    /** JSON values as a spec holds them: integers as Long, other numbers as Double, lists and maps alike. */
    private static Object plain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(k.toString(), plain(val)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(PluginModelSpec::plain).toList();
        }
        if (v instanceof JsonNumber n) {
            try {
                return n.isIntegerLiteral() ? (Object) n.longValueExact() : (Object) Double.parseDouble(n.literal());
            } catch (NumberFormatException e) {
                return Double.parseDouble(n.literal()); // an integer beyond a long: as a number
            }
        }
        return v;
    }
}
