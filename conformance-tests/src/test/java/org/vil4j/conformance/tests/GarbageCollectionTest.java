package org.vil4j.conformance.tests;

import org.vil4j.conformance.TensorComparison;
import org.vil4j.conformance.GoldenRunner;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Aparapi re-creates a device buffer from the stale host copy when the GC moves its array (APARAPI.md): results that
 * exist only on the device would be lost. Forcing collections between every operation must not change any result.
 */
class GarbageCollectionTest {
    @Test
    void forcedCollectionsBetweenOperationsChangeNothing() {
        Ops device = Backends.ops("opencl");
        int[] collections = {0};
        Ops collecting = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[]{Ops.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("close")) {
                        System.gc();
                        byte[][] churn = new byte[64][];
                        for (int i = 0; i < churn.length; i++) {
                            churn[i] = new byte[64 * 1024]; // young-generation traffic that moves small arrays
                        }
                        collections[0]++;
                    }
                    try {
                        return method.invoke(device, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        List<TensorComparison> results = new GoldenRunner(Backends.PLUGINS)
                .forward(Backends.golden("vil2-rect-nobias-avg"), collecting, null);

        assertThat(collections[0]).isGreaterThan(50);
        assertThat(results).allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    }
}
