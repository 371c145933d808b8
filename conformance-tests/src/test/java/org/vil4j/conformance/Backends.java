package org.vil4j.conformance;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One open Ops per backend for the whole test JVM: the OpenCL program compiles once. */
final class Backends {
    static final Plugins PLUGINS = Plugins.discover();
    private static final Map<String, Ops> OPEN = new HashMap<>();

    private Backends() {
    }

    /**
     * The backend's Ops on its default device. OpenCL must really be there (CI installs PoCL): a missing device fails
     * the test instead of skipping it, so "passes on OpenCL" never silently means "did not run".
     */
    static synchronized Ops ops(String backend) {
        return OPEN.computeIfAbsent(backend, name -> {
            Ops ops = PLUGINS.backend(name).open(null);
            if (name.equals("opencl")) {
                assertThat(ops.deviceName()).as("OpenCL device").contains("OpenCL");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(ops::close));
            return ops;
        });
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
