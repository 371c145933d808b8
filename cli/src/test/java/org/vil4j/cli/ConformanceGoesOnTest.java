package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A case that cannot run is reported; the others still run; the exit code is non-zero at the end. */
class ConformanceGoesOnTest {
    @Test
    void aCaseThatCannotRunIsReportedAndTheRestRun(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nosuch.safetensors");
        Path broken = Files.writeString(dir.resolve("broken.safetensors"), "not a safetensors file");
        Path good = CliRun.GOLDEN.resolve("mlstm-cell-plain.safetensors");

        CliRun run = CliRun.of("conformance", "--backend", "java", missing.toString(), broken.toString(),
                good.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("mlstm-cell-plain").contains(missing + ": cannot run: no such case file")
                .contains(broken + ": cannot run:").contains("2 cases could not run");
        assertThat(run.err()).doesNotContain("\tat ").contains("vil: case " + missing + " cannot run");

        CliRun alone = CliRun.of("conformance", "--backend", "java", good.toString());
        assertThat(alone.exitCode()).as(alone.out()).isZero();
    }
}
