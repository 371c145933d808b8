package org.vil4j.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the golden files are. The repository carries a copy ({@code golden/} at its root) of every case but the real
 * ViL-T one, whose 52 MB stay outside it (see {@link #OUTSIDE_THE_REPOSITORY}); those are looked for in
 * {@code $VIL4J_GOLDEN} and in {@code ../shared/conformance/golden} beside the checkout.
 *
 * <p>System properties (set by the parent pom and by bin/vil): {@code vil4j.golden}, the directory to read (the
 * repository copy unless {@code VIL4J_GOLDEN} or {@code -Dvil4j.golden} says otherwise); {@code vil4j.golden.external},
 * the shared folder beside the checkout.
 */
public final class GoldenFiles {
    /** The ViL-T case's files, too large for the repository. */
    public static final List<String> OUTSIDE_THE_REPOSITORY = List.of("vil2-tiny-224.safetensors",
            "vil2-tiny-224.json", "vil2-tiny-224-official-layout.th");
    /** The golden cases made of those files. */
    public static final List<String> OUTSIDE_CASES = List.of("vil2-tiny-224");

    private GoldenFiles() {
    }

    /** {@code -Dvil4j.golden}, else {@code $VIL4J_GOLDEN}, else {@code golden} in the working directory. */
    public static Path directory() {
        String prop = System.getProperty("vil4j.golden");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("VIL4J_GOLDEN");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of("golden");
    }

    /** The directories searched for a file, in order: {@link #directory()}, $VIL4J_GOLDEN, the shared folder. */
    public static List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(directory());
        String env = System.getenv("VIL4J_GOLDEN");
        if (env != null && !env.isBlank()) {
            dirs.add(Path.of(env));
        }
        String external = System.getProperty("vil4j.golden.external");
        dirs.add(external != null && !external.isBlank() ? Path.of(external)
                : Path.of("..", "shared", "conformance", "golden"));
        return List.copyOf(dirs);
    }

    /** The first file of that name on the {@link #searchPath()}. */
    public static Optional<Path> find(String fileName) {
        return searchPath().stream().map(d -> d.resolve(fileName)).filter(Files::isRegularFile).findFirst();
    }

    /** The one-line answer to "why was this skipped": where to put the file. */
    public static String missing(String fileName) {
        return fileName + " is not in the repository (52 MB, kept outside it); put it in " + searchPath().get(
                searchPath().size() - 1).toAbsolutePath().normalize() + " or set VIL4J_GOLDEN to a folder holding it";
    }

    /**
     * Every case of {@link #directory()}, then each case of {@link #OUTSIDE_CASES} that is not there but found
     * elsewhere on the search path, by name; {@code skipped} receives the names of those found nowhere.
     */
    public static List<Path> cases(List<String> skipped) {
        Map<String, Path> byName = new LinkedHashMap<>();
        Path dir = directory();
        if (Files.isDirectory(dir)) {
            for (Path p : GoldenCase.list(dir)) {
                byName.put(caseName(p), p);
            }
        }
        for (String name : OUTSIDE_CASES) {
            if (!byName.containsKey(name)) {
                Optional<Path> found = find(name + ".safetensors")
                        .filter(p -> Files.isRegularFile(p.resolveSibling(name + ".json")));
                if (found.isPresent()) {
                    byName.put(name, found.get());
                } else {
                    skipped.add(name);
                }
            }
        }
        List<Path> out = new ArrayList<>(byName.values());
        out.sort((a, b) -> caseName(a).compareTo(caseName(b)));
        return out;
    }

    private static String caseName(Path safetensors) {
        String f = safetensors.getFileName().toString();
        return f.substring(0, f.length() - ".safetensors".length());
    }
}
