package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.conformance.GoldenFiles;
import org.vil4j.conformance.GoldenRunner;
import org.vil4j.conformance.TensorComparison;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.OfficialCheckpointLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs golden cases (official PyTorch outputs) on a backend and reports every tensor's relative error. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Compare a backend against golden cases (CASE.safetensors + CASE.json). Exit 0 only when every "
                + "tensor is within tolerance. Without CASE: every case in the golden folder (the repository's "
                + "golden/, or $VIL4J_GOLDEN), and the ViL-T case (kept outside the repository) where found.")
final class ConformanceCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "CASE", description = "case files (.safetensors with a .json beside)")
    List<Path> cases = new ArrayList<>();



    @Option(names = "--forward-only", description = "compare only output and activations")
    boolean forwardOnly;

    @Option(names = "--weights", description = "weights to load instead of the case's param.* (.safetensors, or a "
            + ".th/.pt/.pth checkpoint in the official v1/v2 key layout or ours)")
    Path weights;


    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Mixin
    MlstmFormOptions forms = new MlstmFormOptions();

    private final Plugins plugins;

    @Inject
    ConformanceCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        List<String> skipped = new ArrayList<>();
        List<Path> files = cases.isEmpty() ? GoldenFiles.cases(skipped) : cases;
        if (files.isEmpty()) {
            throw new Vil4jException("no golden cases found in " + GoldenFiles.directory());
        }
        for (String name : skipped) {
            System.err.println("vil: skipping golden case " + name + ": " + GoldenFiles.missing(name
                    + ".safetensors"));
        }
        WeightsFiles.Contents contents = weights == null ? null : WeightsFiles.read(weights);
        if (contents != null && contents.note() != null) {
            System.err.println("vil: " + contents.note());
        }
        Map<String, HostTensor> override = contents == null ? null : contents.weights();
        GoldenRunner runner = forms.chosen() ? new GoldenRunner(plugins).withMlstmForm(forms.form(), forms.chunk)
                : new GoldenRunner(plugins);
        int failed = 0, passed = 0, pending = 0, skippedCount = skipped.size();
        List<String> unrunnable = new ArrayList<>();
        try (Ops ops = deviceOptions.open(plugins)) {
            forms.formFor(ops, 0); // the backend must have a chosen form
            System.out.println("backend " + ops.backendName() + " on " + ops.deviceName()
                    + (forms.chosen() ? ", mLSTM form " + forms.form + " (chunk " + forms.chunk + ")" : ""));
            for (Path file : files) {
                // a case that cannot run is reported and the others still run; the exit code says so at the end
                try {
                    int[] counts = runCase(file, ops, runner, override);
                    passed += counts[0];
                    failed += counts[1];
                    pending += counts[2];
                    skippedCount += counts[3];
                } catch (Vil4jException | IllegalArgumentException | IllegalStateException e) {
                    unrunnable.add(file.toString());
                    System.out.println(file + ": cannot run: " + e.getMessage());
                    System.err.println("vil: case " + file + " cannot run: " + e.getMessage());
                }
            }
        }
        System.out.printf("%d passed, %d failed%s%s%s%n", passed, failed,
                pending == 0 ? "" : " (" + pending + " gradient tensors not compared)",
                skippedCount == 0 ? "" : "; " + skippedCount + " case(s) skipped",
                unrunnable.isEmpty() ? "" : "; " + unrunnable.size() + " case" + (unrunnable.size() == 1 ? "" : "s")
                        + " could not run: " + String.join(", ", unrunnable));
        return failed == 0 && unrunnable.isEmpty() ? 0 : 1;
    }

    /**
     * Runs one case; returns {passed, failed, gradient tensors not compared, 1 when skipped}: a case of a reference
     * class this build has no backbone for is skipped, not failed.
     */
    private int[] runCase(Path file, Ops ops, GoldenRunner runner, Map<String, HostTensor> override) {
        int passed = 0, failed = 0, pending = 0;
        if (!Files.isRegularFile(file)) {
            throw new Vil4jException("no such case file: " + file);
        }
        GoldenCase golden = GoldenCase.load(file);
        if (!golden.isSupported(plugins)) {
            System.out.println(golden.name() + " skipped: no backbone for the reference class "
                    + golden.modelClass() + " in this build");
            return new int[] {0, 0, 0, 1};
        }
        long start = System.nanoTime();
        // a ViL file may use the official key layouts (v1/v2 renames); a backbone plugin's keys are its own
        Map<String, HostTensor> caseWeights = override == null || !golden.isVil() ? override
                : OfficialCheckpointLayout.load(override, golden.config(), weights.toString()).weights();
        List<TensorComparison> results = runner.forward(golden, ops, caseWeights);
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf("%s (%.0f ms)%n", golden.name(), ms);
        for (TensorComparison c : results) {
            System.out.println("  " + c);
            if (c.passed()) {
                passed++;
            } else {
                failed++;
            }
        }
        if (!forwardOnly && !golden.expectedBackward().isEmpty()) {
            if (override != null) {
                System.out.println("  --   gradients not compared: they belong to the case's own weights");
                pending += golden.expectedBackward().size();
            } else {
                for (TensorComparison c : runner.backward(golden, ops)) {
                    System.out.println("  " + c);
                    if (c.passed()) {
                        passed++;
                    } else {
                        failed++;
                    }
                }
            }
        }
        return new int[] {passed, failed, pending, 0};
    }
}
