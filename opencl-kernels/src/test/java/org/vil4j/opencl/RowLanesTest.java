package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.Ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The row-wise ops at each work-item count a row ({@code -Dvil4j.opencl.rowLanes}: 8, 16, 32): their own tests run
 * again with the device program's lanes set, against the java oracle (layer norm with groups, gathers and the skip
 * gate, its gradients, the skinny linears, the q|k|v + gates pass and its convolution).
 */
class RowLanesTest extends DeviceWithOracle {
    @ParameterizedTest
    @ValueSource(ints = {8, 16}) // 32, the default, is every other test's
    void rowWiseOpsMatchTheOracleAtEachLaneCount(int lanes) {
        DeviceProgram program = ((OpenCLOps) device).program;
        int saved = program.rowLanes;
        Ops savedDevice = OpenCLMatchesJavaTest.device, savedOracle = OpenCLMatchesJavaTest.oracle;
        try {
            program.rowLanes = lanes;
            OpenCLMatchesJavaTest.device = device;
            OpenCLMatchesJavaTest.oracle = oracle;
            OpenCLMatchesJavaTest matches = new OpenCLMatchesJavaTest();
            for (int rows : new int[] {1, 7, 130}) {
                matches.fusedOpsMatchTheOpsTheyFuse(rows);
            }
            matches.headwiseLinearNormsAndElementwise();
            matches.gatheredNormsAndScatteredResidualsMatchTheirCompositions();
            LayerNormGradientsTest norms = new LayerNormGradientsTest();
            norms.threeGradientsInTwoLaunches(300, 12, 4, true);
            norms.threeGradientsInTwoLaunches(40, 64, 64, true);
            norms.threeGradientsInTwoLaunches(70, 384, 384, false);
            norms.theGradientSoFarAddedInTheSamePass(300, 12, 4, true);
            ConvHeadwiseGatesTest gates = new ConvHeadwiseGatesTest();
            ConvHeadwiseGatesTest.cases().forEach(c -> {
                gates.matchesTheJavaComposition(c);
                gates.bitIdenticalToTheTwoPassesInOneLaunch(c);
            });
        } finally {
            program.rowLanes = saved;
            OpenCLMatchesJavaTest.device = savedDevice;
            OpenCLMatchesJavaTest.oracle = savedOracle;
        }
    }

    @Test
    void thePropertySetsTheLanesAndRefusesOtherCounts() {
        assertThat(((OpenCLOps) device).program.rowLanes).isEqualTo(ProgramState.ROW_LANES);
        System.setProperty(OpenCLOps.ROW_LANES_PROPERTY, "16");
        try {
            assertThat(OpenCLOps.rowLanes()).isEqualTo(16);
        } finally {
            System.clearProperty(OpenCLOps.ROW_LANES_PROPERTY);
        }
        System.setProperty(OpenCLOps.ROW_LANES_PROPERTY, "4");
        try {
            assertThatThrownBy(() -> new OpenCLBackend().open(null)).isInstanceOf(BackendUnavailableException.class)
                    .hasMessage("OpenCL backend: -Dvil4j.opencl.rowLanes=4 is not 8, 16 or 32");
        } finally {
            System.clearProperty(OpenCLOps.ROW_LANES_PROPERTY);
        }
    }
}
