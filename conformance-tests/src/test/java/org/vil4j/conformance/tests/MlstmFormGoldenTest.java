package org.vil4j.conformance.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Ops;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.conformance.GoldenRunner;
import org.vil4j.conformance.TensorComparison;

/**
 * Every golden ViL and mLSTM cell case with the mLSTM form forced: outputs, activations and (for gradient cases)
 * loss and every gradient within the usual tolerances, on each backend. The Java backend must have every form;
 * OpenCL runs the forms it reports ({@link Backends#requireMlstmForm}: one constant makes them mandatory). The
 * parallel form is what {@link GoldenForwardTest} and {@link GoldenBackwardTest} run.
 */
class MlstmFormGoldenTest {
    /** A forced form: chunks of 64 (the default), of 7 (dividing no case's sequence) and the recurrent form. */
    private record Form(MlstmForm form, int chunk) {
        @Override
        public String toString() {
            return form == MlstmForm.CHUNKWISE ? form.id() + " " + chunk : form.id();
        }
    }

    private static final List<Form> FORMS = List.of(new Form(MlstmForm.CHUNKWISE, 64),
            new Form(MlstmForm.CHUNKWISE, 7), new Form(MlstmForm.RECURRENT, 1));

    static Stream<Arguments> cases() {
        List<String> names = Backends.caseNames().stream().filter(n -> n.startsWith("vil") || n.startsWith("mlstm"))
                .toList();
        assertThat(names).as("golden ViL and mLSTM cases").contains("mlstm-cell-long-4096", "vil2-highres-1024");
        List<Arguments> cases = new ArrayList<>();
        for (String backend : List.of("java", "opencl")) {
            for (Form form : FORMS) {
                for (String name : names) {
                    cases.add(Arguments.of(backend, form, name));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{2} {1} on {0}")
    @MethodSource("cases")
    void matchesTheOfficialCodeInEveryForm(String backend, Form form, String caseName) {
        Ops ops = Backends.ops(backend);
        Backends.requireMlstmForm(ops, form.form());
        GoldenCase golden = Backends.golden(caseName);
        GoldenRunner runner = new GoldenRunner(Backends.PLUGINS).withMlstmForm(form.form(), form.chunk());
        List<TensorComparison> results = new ArrayList<>(runner.forward(golden, ops, null));
        if (golden.isModelCase() && golden.tensors().contains("labels")) {
            // the backward in the forced form itself, not the parallel one: on OpenCL its own passes run
            assertThat(ops.hasMlstmBackwardForm(form.form())).as("%s backward", form).isTrue();
            ops.setProfiling(backend.equals("opencl"));
            List<TensorComparison> gradients;
            try {
                gradients = runner.backward(golden, ops);
                if (backend.equals("opencl")) {
                    assertThat(ops.profile().stream().map(OpProfile::op)).contains("mlstm_back_rows")
                            .doesNotContain("mlstm_backward_rows");
                }
            } finally {
                ops.setProfiling(false);
            }
            assertThat(gradients.stream().map(TensorComparison::name)).contains("loss", "grad.input");
            results.addAll(gradients);
        }
        assertThat(results).isNotEmpty();
        assertThat(results).allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    }
}
