package org.vil4j.conformance.tests;

import org.vil4j.conformance.GoldenFiles;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.conformance.kit.SharedBackends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One open Ops per backend for the whole test JVM (the kit's {@link SharedBackends}): OpenCL compiles once. */
final class Backends {
    static final Plugins PLUGINS = SharedBackends.plugins();

    private Backends() {
    }

    /**
     * The backend's Ops on its default device. OpenCL must really be there (CI installs PoCL): a missing device fails
     * the test instead of skipping it, so "passes on OpenCL" never silently means "did not run".
     */
    static Ops ops(String backend) {
        return SharedBackends.ops(backend); // shared with the plugin kit's suites in the same JVM
    }

    /** The golden folder: the repository's golden/ unless VIL4J_GOLDEN or -Dvil4j.golden says otherwise. */
    static Path golden() {
        Path dir = GoldenFiles.directory();
        assertThat(Files.isDirectory(dir)).as("golden directory %s (set -Dvil4j.golden)", dir).isTrue();
        return dir;
    }

    /**
     * Every case of the golden folder plus the ViL-T case wherever it is; a case found nowhere (the ViL-T one is not
     * in the repository) is still listed, so that its test is skipped by {@link #golden(String)} with a reason.
     */
    static List<String> caseNames() {
        List<String> skipped = new ArrayList<>();
        List<String> names = new ArrayList<>(GoldenFiles.cases(skipped).stream()
                .map(p -> p.getFileName().toString().replace(".safetensors", "")).toList());
        names.addAll(skipped);
        return names;
    }

    static GoldenCase load(Path file) {
        return GoldenCase.load(file);
    }

    /**
     * A case by name. Skips the test, saying why, for a case kept outside the repository and found nowhere (where to
     * put it) and for a case of a model class this build has no backbone for.
     */
    static GoldenCase golden(String name) {
        Path file = golden().resolve(name + ".safetensors");
        if (!Files.isRegularFile(file) && GoldenFiles.OUTSIDE_CASES.contains(name)) {
            Optional<Path> found = GoldenFiles.find(name + ".safetensors");
            assumeTrue(found.isPresent(), () -> GoldenFiles.missing(name + ".safetensors"));
            file = found.get();
        }
        GoldenCase golden = GoldenCase.load(file);
        assumeTrue(golden.isSupported(), () -> "golden case " + name + ": no backbone for the reference class "
                + golden.modelClass() + " in this build");
        return golden;
    }

    /** Fails unless {@code ops} has {@code form}: every backend has every mLSTM form. */
    static void requireMlstmForm(Ops ops, org.vil4j.api.MlstmForm form) {
        assertThat(ops.hasMlstmForm(form)).as("%s backend has the %s mLSTM form", ops.backendName(), form.id())
                .isTrue();
    }
}
