package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * copyAllInto: every pair copied exactly, seven a launch (a ViL-T training step copied its parameter gradients one
 * launch each), empty tensors skipped, and a bad pair refused before anything is copied.
 */
class CopyAllIntoTest {
    static Ops device;

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.close();
    }

    private static final List<Tensor> TARGETS = new ArrayList<>();

    /** Persistent targets of sizes 1..16 and one empty one, made before any workspace use. */
    private static List<Tensor> targets(int count) {
        while (TARGETS.size() < count) {
            int i = TARGETS.size();
            int size = i == 3 ? 0 : 1 + (i * 37) % 3000;
            TARGETS.add(device.parameter(Shape.of(size), new float[size]));
        }
        return TARGETS.subList(0, count);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 15, 16})
    void everyPairIsCopiedSevenALaunch(int count) {
        List<Tensor> targets = targets(16).subList(0, count);
        long mark = device.mark();
        try {
            List<Tensor> sources = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            int nonEmpty = 0;
            for (int i = 0; i < count; i++) {
                int size = targets.get(i).shape().size();
                float[] v = random(100 + i, size, 1);
                values.add(v);
                sources.add(device.upload(Shape.of(size), v));
                nonEmpty += size > 0 ? 1 : 0;
            }
            long before = device.kernelLaunches();
            device.copyAllInto(targets, sources);
            assertThat(device.kernelLaunches() - before).isEqualTo((nonEmpty + 6) / 7);
            for (int i = 0; i < count; i++) {
                assertThat(device.download(targets.get(i))).containsExactly(values.get(i));
            }
        } finally {
            device.release(mark);
        }
    }

    @Test
    void aBadPairCopiesNothing() {
        List<Tensor> targets = targets(16).subList(0, 3);
        long mark = device.mark();
        try {
            float[] before = device.download(targets.get(0));
            List<Tensor> sources = List.of(device.upload(targets.get(0).shape(), random(7, targets.get(0).shape().size(), 1)),
                    device.upload(Shape.of(5), new float[5]), device.upload(targets.get(2).shape(),
                            new float[targets.get(2).shape().size()]));
            assertThatThrownBy(() -> device.copyAllInto(targets, sources))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("copyAllInto");
            assertThat(device.download(targets.get(0))).containsExactly(before);
            Tensor workspaceTarget = device.upload(Shape.of(1), new float[1]);
            assertThatThrownBy(() -> device.copyAllInto(List.of(workspaceTarget), List.of(workspaceTarget)))
                    .hasMessageContaining("copyAllInto");
            assertThatThrownBy(() -> device.copyAllInto(targets, sources.subList(0, 2)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("copyAllInto: 3 targets and 2 sources");
        } finally {
            device.release(mark);
        }
    }
}
