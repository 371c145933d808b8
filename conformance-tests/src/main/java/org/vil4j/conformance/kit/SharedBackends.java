package org.vil4j.conformance.kit;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One open {@link Ops} per backend for the whole test JVM, shared by every test class (the OpenCL device program is
 * built once, about 2 s on PoCL). Closed at JVM exit.
 */
public final class SharedBackends {
    /** System property naming the backends the kit runs on, comma-separated; default {@code java,opencl}. */
    public static final String BACKENDS_PROPERTY = "vil4j.kit.backends";
    private static final Map<String, Ops> OPEN = new HashMap<>();
    private static Plugins plugins;

    private SharedBackends() {
    }

    /** Every plugin on the test class path / module path, discovered once. */
    public static synchronized Plugins plugins() {
        if (plugins == null) {
            plugins = Plugins.discover();
        }
        return plugins;
    }

    /** The backends the kit's forward checks run on. */
    public static List<String> backends() {
        return Arrays.stream(System.getProperty(BACKENDS_PROPERTY, "java,opencl").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The backend's Ops on its default device. OpenCL must really be there (CI installs PoCL): a missing device fails
     * instead of skipping, so "passes on OpenCL" never silently means "did not run".
     */
    public static synchronized Ops ops(String backend) {
        return OPEN.computeIfAbsent(backend, name -> {
            Ops ops = plugins().backend(name).open(null);
            if (name.equals("opencl") && !ops.deviceName().contains("OpenCL")) {
                ops.close();
                throw new AssertionError("backend opencl opened '" + ops.deviceName() + "', not an OpenCL device");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(ops::close));
            return ops;
        });
    }
}
