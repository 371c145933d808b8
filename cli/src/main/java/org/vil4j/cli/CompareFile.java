package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.training.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code DIR/compare.json}: the shared recipe, every finished run and each spec's summary, rewritten atomically after
 * each run, so that an interrupted comparison continues from it. One run a line, for reading and diffing.
 */
final class CompareFile {
    static final String NAME = "compare.json";
    static final String FORMAT = "vil-compare-1";

    private CompareFile() {
    }

    /** What a file written before holds: its recipe and runs (none when there is no file). */
    record Contents(List<String> recipe, List<CompareRun> runs) {
    }

    static Contents read(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            Map<?, ?> root = (Map<?, ?>) StrictJsonParser.parse(Files.readString(file));
            if (!FORMAT.equals(root.get("format"))) {
                throw new Vil4jException(file + ": not a vil compare file (format " + root.get("format")
                        + ", expected " + FORMAT + ")");
            }
            List<String> recipe = ((List<?>) root.get("recipe")).stream().map(a -> (String) a).toList();
            List<CompareRun> runs = new ArrayList<>();
            for (Object run : (List<?>) root.get("runs")) {
                runs.add(CompareRun.fromJson((Map<?, ?>) run));
            }
            return new Contents(recipe, runs);
        } catch (IOException e) {
            throw new Vil4jException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonSyntaxException | ClassCastException | NullPointerException | ArithmeticException
                 | NumberFormatException e) {
            throw new Vil4jException(file + ": not a vil compare file this version wrote (" + e + "); use another "
                    + "--out");
        }
    }

    static void write(Path file, List<String> recipe, List<Long> seeds, List<CompareSpec> specs,
                      List<CompareRun> runs, List<SpecSummary> summaries, double wallSeconds) {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"format\": \"").append(FORMAT).append("\",\n");
        b.append("  \"recipe\": ").append(Json.write(recipe)).append(",\n");
        b.append("  \"seeds\": ").append(Json.write(seeds)).append(",\n");
        b.append("  \"specs\": [");
        for (int i = 0; i < specs.size(); i++) {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("name", specs.get(i).name());
            spec.put("options", specs.get(i).options());
            b.append(i == 0 ? "\n    " : ",\n    ").append(Json.write(spec));
        }
        b.append("\n  ],\n  \"wall_seconds_of_last_invocation\": ").append(Json.write(wallSeconds)).append(",\n");
        b.append("  \"summary\": [");
        for (int i = 0; i < summaries.size(); i++) {
            b.append(i == 0 ? "\n    " : ",\n    ").append(Json.write(summaries.get(i).toJson()));
        }
        b.append("\n  ],\n  \"runs\": [");
        for (int i = 0; i < runs.size(); i++) {
            b.append(i == 0 ? "\n    " : ",\n    ").append(Json.write(runs.get(i).toJson()));
        }
        b.append("\n  ]\n}\n");
        AtomicFiles.writeString(file, b.toString());
    }

}
