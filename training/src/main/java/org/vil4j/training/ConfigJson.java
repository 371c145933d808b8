package org.vil4j.training;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilVersion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link VilConfig} as the JSON object recorded in checkpoints (field names of the record). */
public final class ConfigJson {
    private ConfigJson() {
    }

    public static String write(VilConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.version().name().toLowerCase(java.util.Locale.ROOT));
        m.put("dim", c.dim());
        m.put("depth", c.depth());
        m.put("patchSize", c.patchSize());
        m.put("stride", c.stride());
        m.put("channels", c.channels());
        m.put("height", c.height());
        m.put("width", c.width());
        m.put("numClasses", c.numClasses());
        m.put("pooling", c.pooling());
        m.put("legacyNorm", c.legacyNorm());
        m.put("convKind", c.convKind());
        m.put("convKernelSize", c.convKernelSize());
        m.put("projBias", c.projBias());
        m.put("normBias", c.normBias());
        m.put("traversals", c.traversals());
        m.put("mixer", c.mixer());
        return Json.write(m);
    }

    public static VilConfig read(String json, String source) {
        Map<?, ?> m;
        try {
            Object parsed = StrictJsonParser.parse(json);
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new Vil4jException(source + ": model config is not a JSON object");
            }
            m = map;
        } catch (JsonSyntaxException e) {
            throw new Vil4jException(source + ": model config is not valid JSON: " + e.getMessage());
        }
        try {
            List<String> traversals = ((List<?>) m.get("traversals")).stream().map(o -> (String) o).toList();
            return new VilConfig(VilVersion.valueOf(((String) m.get("version")).toUpperCase(java.util.Locale.ROOT)),
                    integer(m, "dim"), integer(m, "depth"), integer(m, "patchSize"), integer(m, "stride"),
                    integer(m, "channels"), integer(m, "height"), integer(m, "width"), integer(m, "numClasses"),
                    (String) m.get("pooling"), (Boolean) m.get("legacyNorm"), (String) m.get("convKind"),
                    integer(m, "convKernelSize"), (Boolean) m.get("projBias"), (Boolean) m.get("normBias"),
                    traversals, (String) m.get("mixer"));
        } catch (RuntimeException e) {
            if (e instanceof Vil4jException v) {
                throw v;
            }
            throw new Vil4jException(source + ": model config is incomplete or mistyped (" + e + ")");
        }
    }

    private static int integer(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof JsonNumber n) || !n.isIntegerLiteral()) {
            throw new Vil4jException("model config field " + key + " must be an integer, got " + v);
        }
        return Math.toIntExact(n.longValueExact());
    }
}
