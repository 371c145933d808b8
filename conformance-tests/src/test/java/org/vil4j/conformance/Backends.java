package org.vil4j.conformance;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.conformance.kit.SharedBackends;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

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

    static Path golden() {
        Path dir = Path.of(System.getProperty("vil4j.golden", "../../shared/conformance/golden"));
        assertThat(Files.isDirectory(dir)).as("golden directory %s (set -Dvil4j.golden)", dir).isTrue();
        return dir;
    }

    static GoldenCase load(Path file) {
        return GoldenCase.load(file);
    }

    static GoldenCase golden(String name) {
        return GoldenCase.load(golden().resolve(name + ".safetensors"));
    }
}
