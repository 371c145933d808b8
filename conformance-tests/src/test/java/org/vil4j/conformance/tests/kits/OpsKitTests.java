package org.vil4j.conformance.tests.kits;

import org.junit.jupiter.api.Nested;
import org.vil4j.api.Ops;
import org.vil4j.conformance.kit.OpsTestCase;
import org.vil4j.conformance.kit.SharedBackends;

/** Both backends held to the shipped backend kit (the java one against itself checks its finite differences). */
class OpsKitTests {
    @Nested
    class Java extends OpsTestCase {
        @Override
        protected Ops ops() {
            return SharedBackends.ops("java");
        }
    }

    @Nested
    class OpenCL extends OpsTestCase {
        @Override
        protected Ops ops() {
            return SharedBackends.ops("opencl");
        }
    }
}
