package org.vil4j.conformance;

import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilVersion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A golden case: {@code NAME.safetensors} with {@code NAME.json} beside it (the format golden/README.md describes).
 * Model cases name a reference constructor ({@code ctor}, {@code kwargs}); cell cases name a function.
 */
public final class GoldenCase {
    private final String name;
    private final Path file;
    private final Map<String, Object> json;
    private final SafetensorsFile tensors;

    private GoldenCase(String name, Path file, Map<String, Object> json, SafetensorsFile tensors) {
        this.name = name;
        this.file = file;
        this.json = json;
        this.tensors = tensors;
    }

    /** Reads {@code CASE.safetensors} and the {@code CASE.json} next to it. */
    public static GoldenCase load(Path safetensors) {
        String fileName = safetensors.getFileName().toString();
        if (!fileName.endsWith(".safetensors")) {
            throw new Vil4jException("golden case " + safetensors + ": expected a .safetensors file");
        }
        String name = fileName.substring(0, fileName.length() - ".safetensors".length());
        Path jsonPath = safetensors.resolveSibling(name + ".json");
        Map<String, Object> json;
        try {
            Object parsed = StrictJsonParser.parse(Files.readString(jsonPath, StandardCharsets.UTF_8));
            if (!(parsed instanceof Map<?, ?> m)) {
                throw new Vil4jException("golden case " + jsonPath + ": not a JSON object");
            }
            @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) toPlain(m);
            json = map;
        } catch (IOException e) {
            throw new Vil4jException("golden case " + safetensors + ": cannot read " + jsonPath + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        } catch (JsonSyntaxException e) {
            throw new Vil4jException("golden case " + jsonPath + ": invalid JSON: " + e.getMessage(), e);
        }
        return new GoldenCase(name, safetensors, json, SafetensorsFile.open(safetensors));
    }

    /** Every {@code *.safetensors} with a JSON beside it in a directory, by name. */
    public static List<Path> list(Path directory) {
        try (var files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(p -> Files.exists(p.resolveSibling(p.getFileName().toString()
                            .replace(".safetensors", ".json"))))
                    .sorted().toList();
        } catch (IOException e) {
            throw new Vil4jException("cannot list golden cases in " + directory + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    public SafetensorsFile tensors() {
        return tensors;
    }

    public boolean isModelCase() {
        return json.containsKey("ctor");
    }

    /** The reference model class of a model case ("VisionLSTM2"), or null for a cell case. */
    public String modelClass() {
        Object c = json.get("ctor");
        return c == null ? null : c.toString();
    }

    /**
     * Whether this build has a backbone for the case: every cell case, model cases of a ViL class, and model cases
     * whose class a {@link org.vil4j.api.Backbone} plugin builds (found by {@link Plugins#discover()}).
     */
    public boolean isSupported() {
        return isSupported(Plugins.discover());
    }

    /** {@link #isSupported()} with these plugins. */
    public boolean isSupported(Plugins plugins) {
        String c = modelClass();
        return c == null || isVil() || plugins.backboneFor(c).isPresent();
    }

    /** Whether the case's model is a ViL (VisionLSTM, VisionLSTM2), built by backbones-vil itself. */
    public boolean isVil() {
        String c = modelClass();
        return c != null && Arrays.stream(VilVersion.values()).anyMatch(v -> v.referenceClass().equals(c));
    }

    /** The reference constructor and its arguments, for a backbone plugin. */
    public ModelSpec spec() {
        Object ctor = json.get("ctor");
        Object kwargs = json.get("kwargs");
        if (!(ctor instanceof String c) || !(kwargs instanceof Map<?, ?> k)) {
            throw new Vil4jException("golden case " + name + ": needs \"ctor\" and \"kwargs\"");
        }
        @SuppressWarnings("unchecked") Map<String, Object> args = (Map<String, Object>) k;
        return new ModelSpec(c, args);
    }

    /** The reference function a cell case exercises ("parallel_stabilized_simple"), or null. */
    public String function() {
        Object f = json.get("function");
        return f == null ? null : f.toString();
    }

    public double eps() {
        Object e = json.get("eps");
        return e instanceof Number n ? n.doubleValue() : 1e-6;
    }

    public VilConfig config() {
        Object ctor = json.get("ctor");
        Object kwargs = json.get("kwargs");
        if (!(ctor instanceof String c) || !(kwargs instanceof Map<?, ?> k)) {
            throw new Vil4jException("golden case " + name + ": needs \"ctor\" and \"kwargs\"");
        }
        @SuppressWarnings("unchecked") Map<String, Object> args = (Map<String, Object>) k;
        return VilConfig.fromReference(c, args);
    }

    /** {@code param.*} tensors, named without the prefix. */
    public Map<String, HostTensor> parameters() {
        Map<String, HostTensor> params = new TreeMap<>();
        for (String n : tensors.names()) {
            if (n.startsWith("param.")) {
                params.put(n.substring("param.".length()), host(n));
            }
        }
        return params;
    }

    public HostTensor host(String tensor) {
        return new HostTensor(tensors.entry(tensor).shape(), tensors.floats(tensor));
    }

    /** The tensors a forward is judged on: {@code output} then every {@code act.*} (model) or {@code h} (cell). */
    public List<String> expectedForward() {
        List<String> names = new ArrayList<>();
        for (String n : tensors.names()) {
            if (n.equals("output") || n.startsWith("act.") || n.equals("h")) {
                names.add(n);
            }
        }
        names.sort((a, b) -> a.equals("output") ? -1 : b.equals("output") ? 1 : a.compareTo(b));
        return names;
    }

    /** Tensors that need a backward pass ({@code loss}, {@code grad.*}). */
    public List<String> expectedBackward() {
        return tensors.names().stream().filter(n -> n.equals("loss") || n.startsWith("grad.")).sorted().toList();
    }

    public Shape shape(String tensor) {
        return tensors.entry(tensor).shape();
    }

    public double[] expected(String tensor) {
        return tensors.doubles(tensor);
    }

    private static Object toPlain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(k.toString(), toPlain(val)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(GoldenCase::toPlain).toList();
        }
        if (v instanceof JsonNumber n) {
            return n.isIntegerLiteral() ? (Object) n.longValueExact() : (Object) Double.parseDouble(n.literal());
        }
        return v;
    }
}
