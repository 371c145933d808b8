package org.vil4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

/**
 * A step whose memory runs out is taken again with recomputed activations, but only when nothing of it reached the
 * weights; the java backend stands in for a device through a proxy that runs out once, on a chosen operation.
 */
class RunningOutOfMemoryTest {
    private static final Plugins PLUGINS = Plugins.discover();
    private static Ops ops;

    @BeforeAll
    static void open() {
        ops = PLUGINS.backend("java").open(null);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    /** Delegates to a backend; the first call of {@code operation} throws as a full device would. */
    private static final class RunsOutOnce implements InvocationHandler {
        private final Ops base;
        private final String operation;
        private boolean armed = true;

        private RunsOutOnce(Ops base, String operation) {
            this.base = base;
            this.operation = operation;
        }

        static Ops on(Ops base, String operation) {
            return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class},
                    new RunsOutOnce(base, operation));
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (armed && method.getName().equals(operation)) {
                armed = false;
                throw new DeviceMemoryExhaustedException("test device: no room for " + operation, 3L << 30,
                        2L << 30);
            }
            try {
                return method.invoke(base, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    private static Trainer trainer(Ops backend) {
        VilConfig config = TrainerTest.tinyConfig();
        Map<String, HostTensor> init = VilInitializer.initialize(config, 3);
        return new Trainer(backend, PLUGINS, config, TrainerTest.settings(2, 2e-3, 0.9), init, "init");
    }

    private static final SyntheticData TRAIN = new SyntheticData(48, 8, 4, 8, 1);
    private static final SyntheticData TEST = new SyntheticData(16, 8, 4, 8, 2);

    @Test
    void theStepIsTakenAgainRecomputingAndTheRunIsTheRecomputingOne(@TempDir Path dir) {
        Trainer fallingBack = trainer(RunsOutOnce.on(ops, "mlstm"));
        fallingBack.setRecomputeWhenMemoryRunsOut(true);
        List<String> notices = new ArrayList<>();
        fallingBack.run(TRAIN, TEST, dir.resolve("fallback.safetensors"), new Trainer.Listener() {
            @Override
            public void notice(String message) {
                notices.add(message);
            }
        });
        assertThat(fallingBack.recomputesActivations()).isTrue();
        assertThat(notices).singleElement().asString()
                .startsWith("step 1: a batch of 8 needs more than the backend holds (3,221,225,472 bytes > "
                        + "2,147,483,648); recomputing activations per sub-block from now on");

        Trainer recomputing = trainer(ops);
        recomputing.setRecomputeActivations(true);
        recomputing.run(TRAIN, TEST, dir.resolve("recomputed.safetensors"), new Trainer.Listener() { });

        TrainingCheckpoint a = TrainingCheckpoint.read(dir.resolve("fallback.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(dir.resolve("recomputed.safetensors"));
        assertThat(a.steps()).isEqualTo(b.steps()).isEqualTo(12);
        assertThat(a.tensors().keySet()).isEqualTo(b.tensors().keySet());
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).containsExactly(values));
    }

    @Test
    void withoutTheFallbackTheErrorEndsTheRun() {
        Trainer trainer = trainer(RunsOutOnce.on(ops, "mlstm"));
        assertThatThrownBy(() -> trainer.run(TRAIN, TEST, null, new Trainer.Listener() { }))
                .isInstanceOf(DeviceMemoryExhaustedException.class).hasMessageContaining("no room for mlstm");
        assertThat(trainer.steps()).isZero();
        assertThat(trainer.recomputesActivations()).isFalse();
    }

    @Test
    void runningOutOnceTheUpdateBeganIsNotRetried() {
        // the moving average of the weights comes after the AdamW update: the step cannot be taken again
        Trainer trainer = trainer(RunsOutOnce.on(ops, "movingAverage"));
        trainer.setRecomputeWhenMemoryRunsOut(true);
        assertThatThrownBy(() -> trainer.run(TRAIN, TEST, null, new Trainer.Listener() { }))
                .isInstanceOf(DeviceMemoryExhaustedException.class).hasMessageContaining("no room for movingAverage");
        assertThat(trainer.recomputesActivations()).isFalse();
    }
}
