package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Backend;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.DeviceInfo;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;

class JavaBackendTest {

    @Test
    void serviceLoaderFindsTheJavaBackend() {
        Map<String, Backend> backends = Plugins.load(Backend.class, Backend::name);
        assertThat(backends).containsKey("java");
        assertThat(backends.get("java")).isInstanceOf(JavaBackend.class);
    }

    @Test
    void describesOneCpuDevice() {
        Backend backend = new JavaBackend();
        assertThat(backend.name()).isEqualTo("java");
        assertThat(backend.description()).isNotBlank().doesNotContain("\n");
        assertThat(backend.devices()).hasSize(1);
        DeviceInfo device = backend.devices().get(0);
        assertThat(device.id()).isEqualTo("java:cpu");
        assertThat(device.kind()).isEqualTo("cpu");
        assertThat(device.name()).contains("Java threads")
                .endsWith(Simd.AVAILABLE ? ", vector API" : ", scalar loops");
        assertThat(device.platform()).startsWith("JVM ");
        assertThat(device.computeUnits()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(device.memoryBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
    }

    @Test
    void opensOnEveryNameForTheCpu() {
        Backend backend = new JavaBackend();
        for (String device : new String[] {null, "auto", "cpu", "java:cpu"}) {
            try (Ops ops = backend.open(device)) {
                assertThat(ops.backendName()).isEqualTo("java");
                assertThat(ops.deviceName()).contains("Java threads");
            }
        }
    }

    @Test
    void refusesOtherDevicesByName() {
        assertThatThrownBy(() -> new JavaBackend().open("gpu"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("'gpu'")
                .hasMessageContaining("java:cpu");
        assertThatThrownBy(() -> new JavaBackend().open("opencl:0:1"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("opencl:0:1");
    }

    @Test
    void theTestsRunTheVectorPath() {
        // surefire passes --add-modules jdk.incubator.vector: the vector loops are what the tests check
        assertThat(Simd.AVAILABLE).isTrue();
    }
}
